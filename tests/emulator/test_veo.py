"""The Veo flow: generate_videos, poll operations.get until done, decode the MP4."""

from __future__ import annotations

import asyncio
import io
import time

import av
import httpx2
import pytest
from google import genai
from google.genai import errors, types
from PIL import Image

from storyreel.emulator import EmulatorServer

from .support import VIDEO_LATENCY_S, Control, project_client

MODEL = "veo-3.1-fast-generate-001"
VEO_2 = "veo-2.0-generate-001"


def _submit(client: genai.Client, prompt: str, **config: object) -> types.GenerateVideosOperation:
    settings = {"duration_seconds": 4, "aspect_ratio": "9:16", "number_of_videos": 1, **config}
    return client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(**settings),  # type: ignore[arg-type]
    )


def _wait(
    client: genai.Client, operation: types.GenerateVideosOperation
) -> types.GenerateVideosOperation:
    deadline = time.monotonic() + 10
    while not operation.done:
        assert time.monotonic() < deadline, "operation never finished"
        time.sleep(0.05)
        operation = client.operations.get(operation)
    return operation


def _video_bytes(operation: types.GenerateVideosOperation) -> bytes:
    assert operation.error is None
    assert operation.response is not None
    assert operation.response.generated_videos
    video = operation.response.generated_videos[0].video
    assert video is not None
    assert video.mime_type == "video/mp4"
    assert video.video_bytes is not None
    return video.video_bytes


def _probe(data: bytes) -> tuple[int, int, float, str]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        seconds = frames / float(stream.average_rate or 1)
        return stream.width, stream.height, seconds, stream.codec_context.name


def test_veo_express_mode_is_refused_as_vertex_does(
    genai_client: genai.Client, control: Control
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        _submit(genai_client, "A lighthouse keeper befriends a storm")
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert "Invalid resource field value" in str(caught.value.message)
    assert control.stats()["video_submissions"] == 0


def test_veo_express_mode_when_the_emulator_allows_it(
    genai_client: genai.Client, control: Control
) -> None:
    response = control.http.post("/_emulator/config", json={"express_veo": True})
    assert response.json()["express_veo"] is True
    operation = _submit(genai_client, "A lighthouse keeper befriends a storm")
    assert operation.name is not None
    assert "/publishers/google/models/" in operation.name
    assert control.stats()["video_submissions"] == 1


def test_veo_flow_project_mode(veo_client: genai.Client, control: Control) -> None:
    genai_client = veo_client
    operation = _submit(genai_client, "A lighthouse keeper befriends a storm")
    assert operation.name is not None
    assert operation.name.startswith("projects/")
    assert f"/locations/us-central1/publishers/google/models/{MODEL}/operations/" in operation.name
    assert not operation.done
    started = time.monotonic()
    finished = _wait(genai_client, operation)
    assert time.monotonic() - started >= VIDEO_LATENCY_S * 0.5
    width, height, seconds, codec = _probe(_video_bytes(finished))
    # 720p at 9:16, as Veo makes it by default.
    assert (width, height) == (720, 1280)
    assert abs(seconds - 4) <= 0.5
    assert codec == "h264"
    stats = control.stats()
    assert stats["video_submissions"] == 1
    assert stats["requests"]["predictLongRunning"] == 1
    assert stats["requests"]["fetchPredictOperation"] >= 1


def test_veo_flow_v1beta1_16_9_default_duration(server: EmulatorServer) -> None:
    client = project_client(server.url, api_version="v1beta1")
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="Waves over a harbor wall"),
        config=types.GenerateVideosConfig(aspect_ratio="16:9"),
    )
    width, height, seconds, _ = _probe(_video_bytes(_wait(client, operation)))
    assert (width, height) == (1280, 720)
    assert abs(seconds - 8) <= 0.5


async def test_veo_flow_async_client(veo_client: genai.Client) -> None:
    genai_client = veo_client
    operation = await genai_client.aio.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="A paper boat in the rain"),
        config=types.GenerateVideosConfig(
            duration_seconds=4, aspect_ratio="16:9", resolution="1080p"
        ),
    )
    while not operation.done:
        await asyncio.sleep(0.05)
        operation = await genai_client.aio.operations.get(operation)
    assert _probe(_video_bytes(operation))[:2] == (1920, 1080)


def test_veo_same_request_same_bytes(veo_client: genai.Client, control: Control) -> None:
    genai_client = veo_client
    control.configure(video_latency_s=0)
    first = _video_bytes(_wait(genai_client, _submit(genai_client, "Identical twins")))
    second = _video_bytes(_wait(genai_client, _submit(genai_client, "Identical twins")))
    other = _video_bytes(_wait(genai_client, _submit(genai_client, "A different prompt")))
    assert first == second
    assert first != other


def test_veo_samples_and_storage_uri(veo_client: genai.Client, control: Control) -> None:
    genai_client = veo_client
    control.configure(video_latency_s=0)
    operation = _wait(
        genai_client,
        _submit(genai_client, "Two takes", number_of_videos=2, output_gcs_uri="gs://bucket/out"),
    )
    assert operation.response is not None
    videos = operation.response.generated_videos or []
    assert [v.video.uri for v in videos if v.video] == [
        "gs://bucket/out/sample_0.mp4",
        "gs://bucket/out/sample_1.mp4",
    ]
    assert all(v.video and v.video.video_bytes is None for v in videos)


def test_veo_unknown_operation_is_404(genai_client: genai.Client) -> None:
    ghost = types.GenerateVideosOperation(
        name=f"projects/1/locations/us-central1/publishers/google/models/{MODEL}/operations/nope"
    )
    with pytest.raises(errors.ClientError) as caught:
        genai_client.operations.get(ghost)
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"


@pytest.mark.parametrize(
    ("model", "config", "says"),
    [
        (MODEL, {"duration_seconds": 600}, "durationSeconds"),
        (MODEL, {"duration_seconds": 5}, "supported durations are [4,6,8]"),
        (MODEL, {"resolution": "4k"}, "Unsupported resolution"),
        (MODEL, {"aspect_ratio": "1:1"}, "Unsupported aspect ratio"),
        (VEO_2, {"duration_seconds": 4}, "supported durations are [5,6,7,8]"),
        (VEO_2, {"duration_seconds": 6, "resolution": "720p"}, "resolution is not supported"),
        (VEO_2, {"duration_seconds": 6, "generate_audio": False}, "generateAudio is not"),
    ],
)
def test_veo_refuses_what_the_model_does_not_take(
    veo_client: genai.Client, control: Control, model: str, config: dict[str, object], says: str
) -> None:
    with pytest.raises(errors.ClientError) as caught:
        veo_client.models.generate_videos(
            model=model,
            source=types.GenerateVideosSource(prompt="refused"),
            config=types.GenerateVideosConfig(**{"aspect_ratio": "9:16", **config}),  # type: ignore[arg-type]
        )
    assert (caught.value.code, caught.value.status) == (400, "INVALID_ARGUMENT")
    assert says in str(caught.value.message)
    assert control.stats()["video_submissions"] == 0


def test_veo_2_takes_seven_seconds_at_720p(veo_client: genai.Client, control: Control) -> None:
    control.configure(video_latency_s=0)
    operation = veo_client.models.generate_videos(
        model=VEO_2,
        source=types.GenerateVideosSource(prompt="An old film"),
        config=types.GenerateVideosConfig(duration_seconds=7, aspect_ratio="16:9"),
    )
    width, height, seconds, _ = _probe(_video_bytes(_wait(veo_client, operation)))
    assert (width, height) == (1280, 720)
    assert abs(seconds - 7) <= 0.5


def test_veo_safety_error_fault_is_an_operation_error_with_support_codes(
    veo_client: genai.Client, control: Control
) -> None:
    control.configure(video_latency_s=0)
    control.faults({"route": "predictLongRunning", "kind": "safety_error"})
    operation = _wait(veo_client, _submit(veo_client, "blocked"))
    assert operation.error is not None
    assert operation.error["code"] == 3
    assert "Support codes: " in operation.error["message"]
    assert operation.response is None


def test_veo_operation_get_by_name(server: EmulatorServer, veo_client: genai.Client) -> None:
    operation = _submit(veo_client, "Polled with a plain GET")
    response = httpx2.get(f"{server.url}/v1/{operation.name}", headers={"x-goog-api-key": "k"})
    assert response.status_code == 200
    assert response.json()["name"] == operation.name


def test_veo_image_to_video_starts_from_the_image(
    veo_client: genai.Client, control: Control
) -> None:
    genai_client = veo_client
    control.configure(video_latency_s=0)
    buffer = io.BytesIO()
    Image.new("RGB", (90, 160), (0, 0, 255)).save(buffer, format="PNG")
    operation = genai_client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(
            image=types.Image(image_bytes=buffer.getvalue(), mime_type="image/png")
        ),
        config=types.GenerateVideosConfig(duration_seconds=4, aspect_ratio="9:16"),
    )
    data = _video_bytes(_wait(genai_client, operation))
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(video=0)).to_image()
    red, green, blue = frame.getpixel((40, 1200))  # type: ignore[misc]
    assert green < 60
    assert blue > 200
    assert red < 60
