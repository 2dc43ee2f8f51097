"""MediaService against a recording fake of google-genai's async client (real SDK types)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx2
import pytest
from google.genai import errors, types
from PIL import Image

from storyreel.errors import ConfigError, ContentBlockedError, InputError, ProviderError
from storyreel.logs import register_secrets
from storyreel.services.google.media import (
    MediaService,
    SubmitOutcomeUnknown,
    VideoRequest,
)
from storyreel.settings import Settings, load_settings

# An ISO BMFF header is all the service checks; PyAV then finds no duration (None).
MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64
OP_NAME = "projects/1/locations/us-central1/publishers/google/models/veo/operations/abc"
SECRET_KEY = "AIzaSy-test-secret-key-0123456789"


# --- recording fakes -------------------------------------------------------------------------


class FakeModels:
    """``client.aio.models``: records calls, answers from queues of results or exceptions."""

    def __init__(self) -> None:
        self.video_calls: list[dict[str, Any]] = []
        self.content_calls: list[dict[str, Any]] = []
        self.video_outcomes: list[Any] = []
        self.content_outcomes: list[Any] = []

    async def generate_videos(
        self, *, model: str, source: types.GenerateVideosSource, config: types.GenerateVideosConfig
    ) -> types.GenerateVideosOperation:
        self.video_calls.append({"model": model, "source": source, "config": config})
        return _next(self.video_outcomes)

    async def generate_content(
        self,
        *,
        model: str,
        contents: str | list[types.Content],
        config: types.GenerateContentConfig,
    ) -> types.GenerateContentResponse:
        self.content_calls.append({"model": model, "contents": contents, "config": config})
        return _next(self.content_outcomes)


class FakeOperations:
    """``client.aio.operations``: records the polled names, answers from a queue."""

    def __init__(self) -> None:
        self.polled: list[str | None] = []
        self.configs: list[types.GetOperationConfig | None] = []
        self.outcomes: list[Any] = []

    async def get(
        self,
        operation: types.GenerateVideosOperation,
        *,
        config: types.GetOperationConfig | None = None,
    ) -> types.GenerateVideosOperation:
        self.polled.append(operation.name)
        self.configs.append(config)
        return _next(self.outcomes)


class FakeAio:
    def __init__(self) -> None:
        self.models = FakeModels()
        self.operations = FakeOperations()


class FakeGenai:
    def __init__(self) -> None:
        self.aio = FakeAio()


def _next(queue: list[Any]) -> Any:
    outcome = queue.pop(0)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


class FakeTime:
    """A clock that only moves when the service sleeps; records every sleep."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


# --- builders of real SDK objects ------------------------------------------------------------


def api_error(code: int, message: str = "boom", headers: dict[str, str] | None = None) -> Exception:
    response = httpx2.Response(code, headers=headers or {})
    body = {"error": {"code": code, "message": message, "status": "X"}}
    cls = errors.ClientError if code < 500 else errors.ServerError
    return cls(code, body, response)


def pending(name: str = OP_NAME) -> types.GenerateVideosOperation:
    return types.GenerateVideosOperation(name=name, done=False)


def finished(
    data: bytes | None = MP4, *, uri: str | None = None, name: str = OP_NAME
) -> types.GenerateVideosOperation:
    video = types.Video(video_bytes=data, uri=uri, mime_type="video/mp4")
    response = types.GenerateVideosResponse(generated_videos=[types.GeneratedVideo(video=video)])
    return types.GenerateVideosOperation(name=name, done=True, response=response)


def png(width: int = 32, height: int = 18, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), "orange").save(buffer, fmt)
    return buffer.getvalue()


def image_reply(*parts: types.Part, finish: str = "STOP") -> types.GenerateContentResponse:
    candidate = types.Candidate(
        content=types.Content(role="model", parts=list(parts)), finish_reason=finish
    )
    return types.GenerateContentResponse(candidates=[candidate])


def request_error(cls: type[Exception], message: str = "boom") -> Exception:
    return cls(message, request=httpx2.Request("POST", "http://127.0.0.1/x"))


# --- fixtures ---------------------------------------------------------------------------------


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    video = {"poll_initial_s": 0.05, "poll_max_s": 0.2, "timeout_s": 5.0}
    video.update(overrides.pop("video", {}))
    google = {"api_key": SECRET_KEY, **overrides.pop("google", {})}
    return load_settings(
        {"backend": "offline", "output_dir": str(tmp_path), "video": video, "google": google},
        env={},
        dotenv=None,
    )


@pytest.fixture
def fake() -> FakeGenai:
    return FakeGenai()


@pytest.fixture
def timer() -> FakeTime:
    return FakeTime()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def service(fake: FakeGenai, settings: Settings, timer: FakeTime) -> MediaService:
    return MediaService(fake, settings, sleep=timer.sleep, clock=timer.clock)


def build(fake: FakeGenai, settings: Settings, timer: FakeTime) -> MediaService:
    return MediaService(fake, settings, sleep=timer.sleep, clock=timer.clock)


# --- video_request ----------------------------------------------------------------------------


def test_video_request_defaults_from_settings(service: MediaService) -> None:
    request = service.video_request("  a fox in the snow  ")

    assert request == VideoRequest(
        prompt="a fox in the snow",
        duration_seconds=8,
        aspect_ratio="9:16",
        resolution="720p",
        negative_prompt=None,
        generate_audio=False,
    )


def test_video_request_overrides(service: MediaService) -> None:
    request = service.video_request("fox", duration_seconds=4, aspect_ratio="16:9")

    assert (request.duration_seconds, request.aspect_ratio) == (4, "16:9")


@pytest.mark.parametrize(
    ("prompt", "kwargs", "fragment"),
    [
        ("   ", {}, "empty"),
        ("fox", {"duration_seconds": 5}, "4, 6 or 8"),
        ("fox", {"aspect_ratio": "1:1"}, "9:16 or 16:9"),
    ],
)
def test_video_request_rejects_bad_input(
    service: MediaService, prompt: str, kwargs: dict[str, Any], fragment: str
) -> None:
    with pytest.raises(InputError, match=fragment):
        service.video_request(prompt, **kwargs)


def test_video_request_round_trips_through_json_with_a_first_frame() -> None:
    request = VideoRequest(
        prompt="fox",
        duration_seconds=6,
        aspect_ratio="9:16",
        resolution="720p",
        first_frame=png(),
        first_frame_mime="image/png",
    )

    assert VideoRequest.model_validate_json(request.model_dump_json()) == request


# --- submit_video -----------------------------------------------------------------------------


async def test_submit_video_builds_the_request_without_blind_retries(
    fake: FakeGenai, tmp_path: Path, timer: FakeTime
) -> None:
    settings = make_settings(
        tmp_path,
        video={"negative_prompt": "text", "generate_audio": True, "output_gcs_uri": "gs://b/o/"},
    )
    service = build(fake, settings, timer)
    fake.aio.models.video_outcomes.append(pending())

    name = await service.submit_video(service.video_request("fox", duration_seconds=6), label="c1")

    assert name == OP_NAME
    (call,) = fake.aio.models.video_calls
    assert call["model"] == settings.google.video_model
    assert call["source"].prompt == "fox"
    assert call["source"].image is None
    config = call["config"]
    assert (config.aspect_ratio, config.duration_seconds, config.resolution) == ("9:16", 6, "720p")
    assert (config.negative_prompt, config.generate_audio) == ("text", True)
    assert (config.number_of_videos, config.output_gcs_uri) == (1, "gs://b/o/")
    assert config.http_options.retry_options.attempts == 1
    assert timer.sleeps == []


async def test_submit_video_sends_the_first_frame_as_image(
    service: MediaService, fake: FakeGenai
) -> None:
    fake.aio.models.video_outcomes.append(pending())
    frame = png()
    request = service.video_request("fox").model_copy(
        update={"first_frame": frame, "first_frame_mime": "image/png"}
    )

    await service.submit_video(request, label="c1")

    image = fake.aio.models.video_calls[0]["source"].image
    assert (image.image_bytes, image.mime_type) == (frame, "image/png")


async def test_submit_video_developer_api_is_a_config_error(
    fake: FakeGenai, tmp_path: Path, timer: FakeTime
) -> None:
    service = build(fake, make_settings(tmp_path, google={"vertexai": False}), timer)

    with pytest.raises(ConfigError, match=r"Vertex AI.*google\.vertexai"):
        await service.submit_video(service.video_request("fox"), label="clip 2")

    assert fake.aio.models.video_calls == []


async def test_submit_video_retries_429_after_retry_after(
    service: MediaService, fake: FakeGenai, timer: FakeTime
) -> None:
    fake.aio.models.video_outcomes += [api_error(429, headers={"Retry-After": "3"}), pending()]

    name = await service.submit_video(service.video_request("fox"), label="c1")

    assert name == OP_NAME
    assert len(fake.aio.models.video_calls) == 2
    assert timer.sleeps == [3.0]


async def test_submit_video_503_backs_off_then_gives_up_retryable(
    service: MediaService, fake: FakeGenai, timer: FakeTime
) -> None:
    fake.aio.models.video_outcomes += [api_error(503) for _ in range(3)]

    with pytest.raises(ProviderError) as caught:
        await service.submit_video(service.video_request("fox"), label="c1")

    assert not isinstance(caught.value, SubmitOutcomeUnknown)
    assert (caught.value.status, caught.value.retryable) == (503, True)
    assert len(fake.aio.models.video_calls) == 3  # google.max_retries = 2
    assert timer.sleeps == [1.0, 2.0]


async def test_submit_video_long_retry_after_is_left_to_the_caller(
    service: MediaService, fake: FakeGenai, timer: FakeTime
) -> None:
    fake.aio.models.video_outcomes.append(api_error(429, headers={"Retry-After": "300"}))

    with pytest.raises(ProviderError) as caught:
        await service.submit_video(service.video_request("fox"), label="c1")

    assert (caught.value.retryable, caught.value.retry_after_s) == (True, 300.0)
    assert timer.sleeps == []


async def test_submit_video_connect_error_is_retried_because_nothing_was_sent(
    service: MediaService, fake: FakeGenai, timer: FakeTime
) -> None:
    fake.aio.models.video_outcomes += [request_error(httpx2.ConnectError), pending()]

    assert await service.submit_video(service.video_request("fox"), label="c1") == OP_NAME
    assert len(fake.aio.models.video_calls) == 2


@pytest.mark.parametrize("code", [500, 502, 504])
async def test_submit_video_5xx_is_outcome_unknown(
    service: MediaService, fake: FakeGenai, timer: FakeTime, code: int
) -> None:
    fake.aio.models.video_outcomes.append(api_error(code))

    with pytest.raises(SubmitOutcomeUnknown, match="clip 7") as caught:
        await service.submit_video(service.video_request("fox"), label="clip 7")

    assert caught.value.status == code
    assert len(fake.aio.models.video_calls) == 1
    assert timer.sleeps == []


@pytest.mark.parametrize(
    "exc_class",
    [httpx2.RemoteProtocolError, httpx2.ReadError, httpx2.ReadTimeout, httpx2.WriteTimeout],
)
async def test_submit_video_connection_drop_is_outcome_unknown(
    service: MediaService, fake: FakeGenai, exc_class: type[Exception]
) -> None:
    fake.aio.models.video_outcomes.append(request_error(exc_class))

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        await service.submit_video(service.video_request("fox"), label="c1")

    assert caught.value.provider == "google"
    assert len(fake.aio.models.video_calls) == 1


async def test_submit_video_unreadable_answer_is_outcome_unknown(
    service: MediaService, fake: FakeGenai
) -> None:
    fake.aio.models.video_outcomes.append(json.JSONDecodeError("bad", "{", 0))

    with pytest.raises(SubmitOutcomeUnknown, match="unreadable"):
        await service.submit_video(service.video_request("fox"), label="c1")


async def test_submit_video_401_names_the_variable_never_the_key(
    service: MediaService, fake: FakeGenai
) -> None:
    register_secrets([SECRET_KEY])
    fake.aio.models.video_outcomes.append(api_error(401, f"API key {SECRET_KEY} not valid"))

    with pytest.raises(ProviderError) as caught:
        await service.submit_video(service.video_request("fox"), label="c1")

    message = str(caught.value)
    assert "GOOGLE_STUDIO_API_KEY" in message
    assert SECRET_KEY not in message
    assert (caught.value.status, caught.value.retryable) == (401, False)


async def test_submit_video_400_is_final(service: MediaService, fake: FakeGenai) -> None:
    fake.aio.models.video_outcomes.append(api_error(400, "durationSeconds is invalid"))

    with pytest.raises(ProviderError, match="durationSeconds is invalid") as caught:
        await service.submit_video(service.video_request("fox"), label="c1")

    assert (caught.value.status, caught.value.retryable) == (400, False)
    assert len(fake.aio.models.video_calls) == 1


async def test_submit_video_without_an_operation_name_is_outcome_unknown(
    service: MediaService, fake: FakeGenai
) -> None:
    fake.aio.models.video_outcomes.append(types.GenerateVideosOperation())

    with pytest.raises(SubmitOutcomeUnknown, match="no operation name"):
        await service.submit_video(service.video_request("fox"), label="c1")


# --- wait_video -------------------------------------------------------------------------------


async def test_wait_video_polls_on_the_backoff_schedule(
    service: MediaService, fake: FakeGenai, timer: FakeTime, tmp_path: Path
) -> None:
    fake.aio.operations.outcomes += [pending(), pending(), pending(), finished()]
    polls: list[int] = []

    result = await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1", on_poll=polls.append)

    assert timer.sleeps == [0.05, 0.1, 0.2, 0.2]
    assert polls == [1, 2, 3, 4]
    assert fake.aio.operations.polled == [OP_NAME] * 4
    assert (result.operation, result.bytes, result.uri) == (OP_NAME, len(MP4), None)


async def test_wait_video_writes_atomically(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    dest = tmp_path / "clips" / "segment-01.mp4"
    fake.aio.operations.outcomes.append(finished())

    result = await service.wait_video(OP_NAME, dest, label="c1")

    assert result.path == dest
    assert dest.read_bytes() == MP4
    assert sorted(p.name for p in dest.parent.iterdir()) == ["segment-01.mp4"]


async def test_wait_video_polls_with_the_sdk_retries_off(
    fake: FakeGenai, timer: FakeTime, tmp_path: Path
) -> None:
    service = build(fake, make_settings(tmp_path, video={"timeout_s": 1.0}), timer)
    fake.aio.operations.outcomes += [pending() for _ in range(20)]
    with pytest.raises(ProviderError):
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="clip 3")
    # The poll loop is the one layer that retries a poll, within video.timeout_s.
    assert fake.aio.operations.configs
    for config in fake.aio.operations.configs:
        assert config is not None
        assert config.http_options is not None
        assert config.http_options.retry_options is not None
        assert config.http_options.retry_options.attempts == 1


async def test_wait_video_times_out_resumably(
    fake: FakeGenai, timer: FakeTime, tmp_path: Path
) -> None:
    service = build(fake, make_settings(tmp_path, video={"timeout_s": 1.0}), timer)
    fake.aio.operations.outcomes += [pending() for _ in range(20)]

    with pytest.raises(ProviderError, match="timed out after 1 s waiting for clip 3") as caught:
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="clip 3")

    assert (caught.value.retryable, caught.value.status) == (True, None)
    assert caught.value.timeout is True
    assert OP_NAME in str(caught.value)
    assert sum(timer.sleeps) == pytest.approx(1.0)
    assert timer.sleeps[:3] == [0.05, 0.1, 0.2]
    assert not (tmp_path / "c.mp4").exists()


async def test_wait_video_polls_through_transient_failures(
    service: MediaService, fake: FakeGenai, timer: FakeTime, tmp_path: Path
) -> None:
    fake.aio.operations.outcomes += [
        api_error(503),
        api_error(429),
        request_error(httpx2.ConnectError),
        request_error(httpx2.ReadTimeout),
        finished(),
    ]
    polls: list[int] = []

    result = await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1", on_poll=polls.append)

    assert result.bytes == len(MP4)
    assert polls == [1, 2, 3, 4, 5]


async def test_wait_video_permanent_poll_error_is_raised(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.operations.outcomes.append(api_error(404, "Operation not found"))

    with pytest.raises(ProviderError, match="Operation not found") as caught:
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1")

    assert (caught.value.status, caught.value.retryable) == (404, False)


async def test_wait_video_tolerates_an_unreadable_poll(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    bad = json.JSONDecodeError("bad", "{", 0)
    fake.aio.operations.outcomes += [bad, pending(), bad, bad, finished()]

    result = await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1")

    assert result.bytes == len(MP4)


async def test_wait_video_gives_up_after_unreadable_polls_in_a_row(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.operations.outcomes += [json.JSONDecodeError("bad", "{", 0) for _ in range(3)]

    with pytest.raises(ProviderError, match="3 polls in a row for c1") as caught:
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1")

    assert caught.value.retryable is True


async def test_wait_video_operation_error_names_the_label(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    failed = types.GenerateVideosOperation(
        name=OP_NAME, done=True, error={"code": 13, "message": "internal failure"}
    )
    fake.aio.operations.outcomes.append(failed)

    with pytest.raises(ProviderError, match=r"segment 2.*internal failure") as caught:
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="segment 2")

    assert caught.value.retryable is False


async def test_wait_video_safety_filtered_is_content_blocked(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    response = types.GenerateVideosResponse(
        rai_media_filtered_count=1, rai_media_filtered_reasons=["violates guidelines 5806"]
    )
    fake.aio.operations.outcomes.append(
        types.GenerateVideosOperation(name=OP_NAME, done=True, response=response)
    )

    with pytest.raises(ContentBlockedError, match="segment 4") as caught:
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="segment 4")

    assert caught.value.reasons == ["violates guidelines 5806"]
    assert list(tmp_path.iterdir()) == []


async def test_wait_video_rejects_bytes_that_are_not_an_mp4(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.operations.outcomes.append(finished(b"<html>not a video</html>" * 4))

    with pytest.raises(ProviderError, match="not an MP4"):
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1")

    assert list(tmp_path.iterdir()) == []


async def test_wait_video_gcs_link_only_writes_nothing(
    fake: FakeGenai, timer: FakeTime, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, video={"output_gcs_uri": "gs://bucket/out/"})
    service = build(fake, settings, timer)
    fake.aio.operations.outcomes.append(finished(None, uri="gs://bucket/out/1/sample_0.mp4"))

    result = await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1")

    assert (result.uri, result.bytes, result.duration_seconds) == (
        "gs://bucket/out/1/sample_0.mp4",
        0,
        None,
    )
    assert not result.path.exists()


async def test_wait_video_link_without_gcs_config_is_an_error(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.operations.outcomes.append(finished(None, uri="gs://elsewhere/x.mp4"))

    with pytest.raises(ProviderError, match="only a link"):
        await service.wait_video(OP_NAME, tmp_path / "c.mp4", label="c1")


async def test_wait_video_unwritable_destination_is_an_input_error(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    fake.aio.operations.outcomes.append(finished())

    with pytest.raises(InputError, match="polled again"):
        await service.wait_video(OP_NAME, blocker / "c.mp4", label="c1")


# --- generate_thumbnail -----------------------------------------------------------------------


async def test_generate_thumbnail_builds_the_request_and_writes_the_png(
    service: MediaService, fake: FakeGenai, settings: Settings, tmp_path: Path
) -> None:
    data = png(64, 36)
    fake.aio.models.content_outcomes.append(
        image_reply(
            types.Part(text="Here is your image"),
            types.Part(inline_data=types.Blob(data=data, mime_type="image/png")),
        )
    )
    dest = tmp_path / "thumbnail.png"

    result = await service.generate_thumbnail("a fox", dest, aspect_ratio="16:9")

    (call,) = fake.aio.models.content_calls
    assert (call["model"], call["contents"]) == (settings.google.image_model, "a fox")
    assert call["config"].response_modalities == ["IMAGE"]
    assert call["config"].image_config.aspect_ratio == "16:9"
    assert (result.path, result.mime_type, result.width, result.height) == (
        dest,
        "image/png",
        64,
        36,
    )
    assert dest.read_bytes() == data
    assert [p.name for p in tmp_path.iterdir()] == ["thumbnail.png"]


async def test_generate_thumbnail_defaults_to_the_video_aspect_ratio_and_accepts_jpeg(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.models.content_outcomes.append(
        image_reply(types.Part(inline_data=types.Blob(data=png(9, 16, "JPEG"), mime_type="x")))
    )

    result = await service.generate_thumbnail("a fox", tmp_path / "t.jpg")

    assert fake.aio.models.content_calls[0]["config"].image_config.aspect_ratio == "9:16"
    assert (result.mime_type, result.width, result.height) == ("image/jpeg", 9, 16)


async def test_generate_thumbnail_blocked_prompt(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    feedback = types.GenerateContentResponsePromptFeedback(
        block_reason="SAFETY", block_reason_message="unsafe prompt"
    )
    fake.aio.models.content_outcomes.append(types.GenerateContentResponse(prompt_feedback=feedback))

    with pytest.raises(ContentBlockedError) as caught:
        await service.generate_thumbnail("a fox", tmp_path / "t.png")

    assert caught.value.reasons == ["SAFETY", "unsafe prompt"]
    assert list(tmp_path.iterdir()) == []


async def test_generate_thumbnail_blocked_output(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.models.content_outcomes.append(image_reply(finish="IMAGE_SAFETY"))

    with pytest.raises(ContentBlockedError, match="IMAGE_SAFETY"):
        await service.generate_thumbnail("a fox", tmp_path / "t.png")


async def test_generate_thumbnail_text_only_reply_is_a_provider_error(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.models.content_outcomes.append(image_reply(types.Part(text="I cannot draw that")))

    with pytest.raises(ProviderError, match=r"no image.*I cannot draw that") as caught:
        await service.generate_thumbnail("a fox", tmp_path / "t.png")

    assert not isinstance(caught.value, ContentBlockedError)


@pytest.mark.parametrize("data", [b"GIF89a....", b"RIFF\x24\x00\x00\x00WEBPVP8 ...."])
async def test_generate_thumbnail_rejects_bytes_that_are_not_an_image(
    service: MediaService, fake: FakeGenai, tmp_path: Path, data: bytes
) -> None:
    # A WebP is an image, but a thumbnail is saved as a PNG or a JPEG only.
    blob = types.Blob(data=data, mime_type="image/png")
    fake.aio.models.content_outcomes.append(image_reply(types.Part(inline_data=blob)))

    with pytest.raises(ProviderError, match="neither a PNG nor a JPEG"):
        await service.generate_thumbnail("a fox", tmp_path / "t.png")

    assert list(tmp_path.iterdir()) == []


async def test_generate_thumbnail_maps_api_errors(
    service: MediaService, fake: FakeGenai, settings: Settings, tmp_path: Path
) -> None:
    fake.aio.models.content_outcomes.extend(api_error(503, "overloaded") for _ in range(9))

    with pytest.raises(ProviderError, match="overloaded") as caught:
        await service.generate_thumbnail("a fox", tmp_path / "t.png")

    assert (caught.value.provider, caught.value.status, caught.value.retryable) == (
        "google",
        503,
        True,
    )
    # A refused image is not billed: sent again up to google.max_retries times.
    assert len(fake.aio.models.content_calls) == settings.google.max_retries + 1


async def test_generate_thumbnail_is_never_retried_by_the_sdk(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    fake.aio.models.content_outcomes.append(api_error(500, "internal"))

    with pytest.raises(ProviderError, match="may have made"):
        await service.generate_thumbnail("a fox", tmp_path / "t.png")

    # A 500 may come after the image was made and billed: one request, nothing repeated.
    assert len(fake.aio.models.content_calls) == 1
    retry = fake.aio.models.content_calls[0]["config"].http_options.retry_options
    assert retry.attempts == 1


async def test_generate_thumbnail_rejects_an_unknown_aspect_ratio(
    service: MediaService, fake: FakeGenai, tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="7:3"):
        await service.generate_thumbnail("a fox", tmp_path / "t.png", aspect_ratio="7:3")

    assert fake.aio.models.content_calls == []


# --- the container ----------------------------------------------------------------------------


async def test_media_service_from_the_container_uses_the_overridden_client(
    offline_settings: Settings, fake: FakeGenai
) -> None:
    from storyreel.containers import create_container

    container = create_container(offline_settings)
    fake.aio.models.video_outcomes.append(pending())
    with container.genai_client.override(fake):
        service = container.media_service()

    assert isinstance(service, MediaService)
    assert await service.submit_video(service.video_request("fox"), label="c1") == OP_NAME
    assert len(fake.aio.models.video_calls) == 1
