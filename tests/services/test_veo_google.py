"""Veo as Google documents it: which credentials, which API version, what each model takes,
safety blocks told as operation errors. Fakes at the SDK seam, then the real SDK against the
emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from google.genai import types
from test_media import (
    SECRET_KEY,
    FakeGenai,
    FakeTime,
    api_error,
    make_settings,
    pending,
)

from emulator_control import EmulatorControl
from storyreel.containers import Container, aclose_container, create_container
from storyreel.errors import ConfigError, ContentBlockedError, InputError, ProviderError
from storyreel.services.google.media import MediaService
from storyreel.services.google.results import OperationFailed, support_codes
from storyreel.services.google.video_calls import video_call
from storyreel.settings import Settings, load_settings

VEO_2 = "veo-2.0-generate-001"
OP = "projects/1/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001"
BLOCKED = (
    "The prompt could not be submitted. This prompt contains sensitive words. "
    "Support codes: 17301594, 29310472"
)


def _live(tmp_path: Path, **google: Any) -> Settings:
    return load_settings(
        {
            "backend": "live",
            "output_dir": str(tmp_path),
            "google": {"api_key": SECRET_KEY, **google},
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.1, "timeout_s": 5.0},
        },
        env={},
        dotenv=None,
    )


def _service(fake: FakeGenai, settings: Settings, video: FakeGenai | None = None) -> MediaService:
    timer = FakeTime()
    return MediaService(fake, settings, sleep=timer.sleep, clock=timer.clock, video_client=video)


# --- what each model takes ------------------------------------------------------------------


def test_veo_2_requests_leave_out_resolution_and_audio(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, google={"video_model": VEO_2}, video={"duration_seconds": 7})
    request = _service(FakeGenai(), settings).video_request("a fox")
    _, config = video_call(request, model=VEO_2, output_gcs_uri=None)
    assert (config.duration_seconds, config.resolution, config.generate_audio) == (7, None, None)
    _, config3 = video_call(request, model="veo-3.1-generate-001", output_gcs_uri=None)
    assert (config3.resolution, config3.generate_audio) == ("720p", False)


@pytest.mark.parametrize(
    ("model", "seconds", "says"),
    [
        ("veo-3.1-fast-generate-001", 5, "4, 6 or 8 seconds, not 5"),
        (VEO_2, 4, "5-8 seconds, not 4"),
    ],
)
async def test_a_duration_the_model_refuses_is_refused_before_submitting(
    tmp_path: Path, model: str, seconds: int, says: str
) -> None:
    fake = FakeGenai()
    service = _service(fake, make_settings(tmp_path, google={"video_model": model}))
    with pytest.raises(InputError, match=says):
        service.video_request("a fox", duration_seconds=seconds)
    assert fake.aio.models.video_calls == []


def test_settings_refuse_what_the_video_model_does_not_make(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"veo-2.0-generate-001 \(Veo 2\) makes no audio"):
        make_settings(tmp_path, google={"video_model": VEO_2}, video={"generate_audio": True})
    with pytest.raises(ConfigError, match="makes 720p clips, not 1080p"):
        make_settings(tmp_path, google={"video_model": VEO_2}, video={"resolution": "1080p"})


# --- credentials ----------------------------------------------------------------------------


async def test_express_mode_refusal_is_a_config_error_naming_the_way_out(tmp_path: Path) -> None:
    fake = FakeGenai()
    fake.aio.models.video_outcomes.append(
        api_error(400, "Invalid resource field value in the request.")
    )
    service = _service(fake, _live(tmp_path))
    with pytest.raises(ConfigError) as caught:
        await service.submit_video(service.video_request("a fox"), label="clip 1")
    message = str(caught.value)
    assert "google.project" in message
    assert "gcloud auth application-default login" in message
    assert "\n" not in message
    assert len(fake.aio.models.video_calls) == 1


async def test_with_a_project_the_same_refusal_stays_a_provider_error(tmp_path: Path) -> None:
    fake = FakeGenai()
    fake.aio.models.video_outcomes.append(api_error(400, "Invalid resource field value."))
    service = _service(fake, _live(tmp_path, project="my-project"))
    with pytest.raises(ProviderError) as caught:
        await service.submit_video(service.video_request("a fox"), label="clip 1")
    assert caught.value.status == 400


async def test_veo_calls_go_to_the_video_client_and_images_to_the_other(tmp_path: Path) -> None:
    shared, video = FakeGenai(), FakeGenai()
    video.aio.models.video_outcomes.append(pending(OP + "/operations/x"))
    service = _service(shared, _live(tmp_path, project="my-project"), video)
    await service.submit_video(service.video_request("a fox"), label="clip 1")
    assert len(video.aio.models.video_calls) == 1
    assert shared.aio.models.video_calls == []


def test_container_gives_veo_its_own_project_client_when_a_key_and_project_are_set(
    tmp_path: Path,
) -> None:
    container = create_container(_live(tmp_path, project="my-project"))
    try:
        shared = container.genai_client()._api_client
        video = container.genai_video_client()._api_client
        assert (shared.api_key, shared.project) == (SECRET_KEY, None)
        assert (video.api_key, video.project, video.location) == (None, "my-project", "us-central1")
        assert video._http_options.api_version == "v1"
        # Singletons: built once.
        assert container.genai_video_client() is container.genai_video_client()
    finally:
        container.shutdown_resources()


# --- safety blocks as operation errors ------------------------------------------------------


def test_support_codes_are_read_from_the_message() -> None:
    assert support_codes(BLOCKED) == ["17301594", "29310472"]
    assert support_codes("Video generation failed with an internal error.") == []


async def test_operation_error_with_support_codes_is_content_blocked(tmp_path: Path) -> None:
    fake = FakeGenai()
    error = {"code": 3, "message": BLOCKED}
    fake.aio.operations.outcomes.append(
        types.GenerateVideosOperation(name=OP + "/operations/x", done=True, error=error)
    )
    service = _service(fake, make_settings(tmp_path))
    with pytest.raises(ContentBlockedError) as caught:
        await service.wait_video(OP + "/operations/x", tmp_path / "c.mp4", label="segment 2")
    assert not isinstance(caught.value, OperationFailed)
    assert caught.value.codes == ["17301594", "29310472"]
    assert "segment 2" in str(caught.value)
    assert not (tmp_path / "c.mp4").exists()


# --- through the SDK, against the emulator --------------------------------------------------


@pytest.fixture
async def built(emulator: Any) -> AsyncIterator[list[Container]]:
    containers: list[Container] = []
    yield containers
    for container in containers:
        await aclose_container(container)


def _container(built: list[Container], settings: Settings) -> Container:
    container = create_container(settings)
    built.append(container)
    return container


async def test_emulator_refuses_express_veo_and_storyreel_says_what_to_do(
    emulator: Any, built: list[Container], tmp_path: Path
) -> None:
    control = EmulatorControl(emulator)
    # The shared emulator serves express mode for live runs; here it answers as Vertex does.
    control.http.post("/_emulator/config", json={"express_veo": False})
    try:
        before = control.stats()["video_submissions"]
        media = _container(built, _live(tmp_path, base_url=emulator.url + "/")).media_service()
        with pytest.raises(ConfigError, match=r"set google\.project"):
            await media.submit_video(media.video_request("a fox"), label="clip 1")
        assert control.stats()["video_submissions"] == before
    finally:
        control.http.post("/_emulator/config", json={"express_veo": True})
        control.close()


async def test_offline_backend_uses_the_project_path_at_the_configured_version(
    emulator: Any, built: list[Container], offline_settings: Settings
) -> None:
    data = offline_settings.model_dump(mode="json")
    data["emulator"]["url"] = emulator.url
    media = _container(built, load_settings(data, env={}, dotenv=None)).media_service()
    name = await media.submit_video(media.video_request("a fox"), label="clip 1")
    assert name.startswith("projects/")
    # A version the service does not have is refused: the client did send the configured one.
    data["google"]["api_version"] = "v7"
    other = _container(built, load_settings(data, env={}, dotenv=None)).media_service()
    with pytest.raises(ProviderError) as caught:
        await other.submit_video(other.video_request("a fox"), label="clip 2")
    assert caught.value.status == 404
