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

from .support import VIDEO_LATENCY_S, Control, FixedToken

MODEL = "veo-3.1-fast-generate-001"


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


def test_veo_flow_express_mode(genai_client: genai.Client, control: Control) -> None:
    operation = _submit(genai_client, "A lighthouse keeper befriends a storm")
    assert operation.name is not None
    assert operation.name.startswith("projects/")
    assert f"/locations/us-central1/publishers/google/models/{MODEL}/operations/" in operation.name
    assert not operation.done
    started = time.monotonic()
    finished = _wait(genai_client, operation)
    assert time.monotonic() - started >= VIDEO_LATENCY_S * 0.5
    width, height, seconds, codec = _probe(_video_bytes(finished))
    assert (width, height) == (360, 640)
    assert abs(seconds - 4) <= 0.5
    assert codec == "h264"
    stats = control.stats()
    assert stats["video_submissions"] == 1
    assert stats["requests"]["predictLongRunning"] == 1
    assert stats["requests"]["fetchPredictOperation"] >= 1


def test_veo_flow_project_client_16_9_default_duration(server: EmulatorServer) -> None:
    client = genai.Client(
        vertexai=True,
        project="p",
        location="us-central1",
        credentials=FixedToken(),
        http_options=types.HttpOptions(base_url=server.url + "/"),
    )
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="Waves over a harbor wall"),
        config=types.GenerateVideosConfig(aspect_ratio="16:9"),
    )
    width, height, seconds, _ = _probe(_video_bytes(_wait(client, operation)))
    assert (width, height) == (640, 360)
    assert abs(seconds - 8) <= 0.5


async def test_veo_flow_async_client(genai_client: genai.Client) -> None:
    operation = await genai_client.aio.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt="A paper boat in the rain"),
        config=types.GenerateVideosConfig(duration_seconds=2, aspect_ratio="16:9"),
    )
    while not operation.done:
        await asyncio.sleep(0.05)
        operation = await genai_client.aio.operations.get(operation)
    assert _probe(_video_bytes(operation))[:2] == (640, 360)


def test_veo_same_request_same_bytes(genai_client: genai.Client, control: Control) -> None:
    control.configure(video_latency_s=0)
    first = _video_bytes(_wait(genai_client, _submit(genai_client, "Identical twins")))
    second = _video_bytes(_wait(genai_client, _submit(genai_client, "Identical twins")))
    other = _video_bytes(_wait(genai_client, _submit(genai_client, "A different prompt")))
    assert first == second
    assert first != other


def test_veo_samples_and_storage_uri(genai_client: genai.Client, control: Control) -> None:
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


def test_veo_rejects_bad_parameters(genai_client: genai.Client, control: Control) -> None:
    with pytest.raises(errors.ClientError) as caught:
        _submit(genai_client, "too long", duration_seconds=600)
    assert caught.value.code == 400
    assert control.stats()["video_submissions"] == 0


def test_veo_operation_get_by_name(server: EmulatorServer, genai_client: genai.Client) -> None:
    operation = _submit(genai_client, "Polled with a plain GET")
    response = httpx2.get(f"{server.url}/v1beta1/{operation.name}", headers={"x-goog-api-key": "k"})
    assert response.status_code == 200
    assert response.json()["name"] == operation.name


def test_veo_image_to_video_starts_from_the_image(
    genai_client: genai.Client, control: Control
) -> None:
    control.configure(video_latency_s=0)
    buffer = io.BytesIO()
    Image.new("RGB", (90, 160), (0, 0, 255)).save(buffer, format="PNG")
    operation = genai_client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(
            image=types.Image(image_bytes=buffer.getvalue(), mime_type="image/png")
        ),
        config=types.GenerateVideosConfig(duration_seconds=1, aspect_ratio="9:16"),
    )
    data = _video_bytes(_wait(genai_client, operation))
    with av.open(io.BytesIO(data)) as container:
        frame = next(container.decode(video=0)).to_image()
    red, green, blue = frame.getpixel((20, 600))  # type: ignore[misc]
    assert green < 60
    assert blue > 200
    assert red < 60
