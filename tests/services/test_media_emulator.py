"""MediaService through the real google-genai SDK against the emulator over loopback."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image

from emulator_control import EmulatorControl as Control
from storyreel.containers import Container, aclose_container, create_container
from storyreel.errors import ContentBlockedError, ProviderError
from storyreel.quota.store import STORE_FILENAME as QUOTA_FILE
from storyreel.services.google.media import MediaService, SubmitOutcomeUnknown
from storyreel.settings import Settings, load_settings


def left_behind(folder: Path) -> list[str]:
    """What a failed clip left in ``folder``, the shared quota budget's file aside."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(QUOTA_FILE))


@pytest.fixture(scope="module")
def control(emulator: Any) -> Iterator[Control]:
    driver = Control(emulator)
    yield driver
    driver.close()


@pytest.fixture(autouse=True)
def _fresh_emulator(control: Control) -> Iterator[None]:
    control.reset()
    yield
    control.reset()


ContainerFactory = Callable[..., Container]


@pytest.fixture
async def containers(emulator: Any, offline_settings: Settings) -> AsyncIterator[ContainerFactory]:
    """Build containers on the shared emulator; each is closed in this test's event loop."""
    built: list[Container] = []

    def build(**overrides: Any) -> Container:
        data = offline_settings.model_dump(mode="json")
        data["emulator"]["url"] = emulator.url
        for section, values in overrides.items():
            data[section].update(values)
        settings = load_settings(data, env={}, dotenv=None)
        container = create_container(settings)
        built.append(container)
        return container

    yield build
    for container in built:
        await aclose_container(container)


@pytest.fixture
def media(containers: ContainerFactory) -> MediaService:
    service: MediaService = containers().media_service()
    return service


async def _clip(media: MediaService, dest: Path, label: str = "clip 1", seconds: int = 4) -> Any:
    operation = await media.submit_video(
        media.video_request(f"a red fox in the snow ({label})", duration_seconds=seconds),
        label=label,
    )
    return await media.wait_video(operation, dest, label=label)


async def test_video_flow_produces_a_playable_mp4(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    dest = tmp_output / "clips" / "segment-01.mp4"
    polls: list[int] = []
    request = media.video_request("a red fox in the snow", duration_seconds=6)

    operation = await media.submit_video(request, label="segment 1")
    result = await media.wait_video(operation, dest, label="segment 1", on_poll=polls.append)

    assert result.path == dest
    assert result.operation == operation
    assert result.bytes == dest.stat().st_size
    assert result.duration_seconds == pytest.approx(6, abs=0.5)
    with av.open(str(dest)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert stream.height > stream.width  # 9:16
        assert float(container.duration or 0) / av.time_base == pytest.approx(6, abs=0.5)
        assert next(container.decode(video=0)).width == stream.width
    assert polls
    assert polls == list(range(1, len(polls) + 1))
    assert control.stats()["video_submissions"] == 1
    assert [p.name for p in dest.parent.iterdir()] == ["segment-01.mp4"]


async def test_video_resume_polls_a_recorded_operation_without_resubmitting(
    containers: ContainerFactory, tmp_output: Path, control: Control
) -> None:
    first = containers().media_service()
    operation = await first.submit_video(first.video_request("a fox"), label="clip 1")

    # Another process, another client: only the recorded name is known.
    later = containers().media_service()
    result = await later.wait_video(operation, tmp_output / "c.mp4", label="clip 1")

    assert result.operation == operation
    assert result.path.exists()
    assert control.stats()["video_submissions"] == 1


@pytest.mark.parametrize("ratio", ["16:9", "9:16"])
async def test_thumbnail_is_a_png_with_the_requested_aspect_ratio(
    media: MediaService, tmp_output: Path, ratio: str
) -> None:
    dest = tmp_output / "thumbnail.png"

    result = await media.generate_thumbnail("a fox at dawn", dest, aspect_ratio=ratio)

    with Image.open(io.BytesIO(dest.read_bytes())) as image:
        assert image.format == "PNG"
        assert image.size == (result.width, result.height)
    wide, high = (int(n) for n in ratio.split(":"))
    assert result.width / result.height == pytest.approx(wide / high, rel=0.02)
    assert result.mime_type == "image/png"


async def test_submit_429_is_retried_then_succeeds(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.faults(
        {"route": "predictLongRunning", "kind": "status", "status": 429, "retry_after_s": 0.1}
    )

    result = await _clip(media, tmp_output / "c.mp4")

    assert result.path.exists()
    stats = control.stats()
    assert stats["requests"]["predictLongRunning"] == 2
    assert stats["video_submissions"] == 1


async def test_poll_500_twice_is_polled_through(
    containers: ContainerFactory, tmp_output: Path, control: Control
) -> None:
    # Without client retries the service's own loop must absorb the failures.
    media = containers(google={"max_retries": 0}).media_service()
    control.faults({"route": "fetchPredictOperation", "kind": "status", "status": 500, "times": 2})

    result = await _clip(media, tmp_output / "c.mp4")

    assert result.path.exists()
    assert control.stats()["requests"]["fetchPredictOperation"] >= 3


async def test_safety_block_is_content_blocked_with_the_reason(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.faults({"route": "fetchPredictOperation", "kind": "safety_block"})

    with pytest.raises(ContentBlockedError, match="segment 3") as caught:
        await _clip(media, tmp_output / "c.mp4", label="segment 3")

    assert caught.value.reasons
    assert "usage guidelines" in caught.value.reasons[0]
    assert left_behind(tmp_output) == []


async def test_operation_error_is_a_provider_error(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.faults({"route": "predictLongRunning", "kind": "operation_error"})

    with pytest.raises(ProviderError, match="segment 2") as caught:
        await _clip(media, tmp_output / "c.mp4", label="segment 2")

    assert not isinstance(caught.value, ContentBlockedError)
    assert caught.value.retryable is False
    assert left_behind(tmp_output) == []


async def test_drop_after_accept_is_outcome_unknown_and_was_paid_once(
    media: MediaService, control: Control
) -> None:
    control.faults({"route": "predictLongRunning", "kind": "drop_after_accept"})

    with pytest.raises(SubmitOutcomeUnknown):
        await media.submit_video(media.video_request("a fox"), label="clip 1")

    stats = control.stats()
    assert stats["video_submissions"] == 1
    assert stats["requests"]["predictLongRunning"] == 1


async def test_submit_500_is_not_retried_by_the_client(
    media: MediaService, control: Control
) -> None:
    # The client's policy retries 500 for idempotent calls; the paid submit must opt out.
    control.faults({"route": "predictLongRunning", "kind": "status", "status": 500, "times": 3})

    with pytest.raises(SubmitOutcomeUnknown) as caught:
        await media.submit_video(media.video_request("a fox"), label="clip 1")

    assert caught.value.status == 500
    assert control.stats()["requests"]["predictLongRunning"] == 1


async def test_one_malformed_poll_is_polled_through(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.faults({"route": "fetchPredictOperation", "kind": "malformed"})

    result = await _clip(media, tmp_output / "c.mp4")

    assert result.path.exists()


async def test_malformed_polls_in_a_row_end_with_a_clear_error(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.faults({"route": "fetchPredictOperation", "kind": "malformed", "times": 0})

    with pytest.raises(ProviderError, match="unreadable answer") as caught:
        await _clip(media, tmp_output / "c.mp4")

    assert caught.value.retryable is True
    assert left_behind(tmp_output) == []


async def test_gcs_output_returns_the_link_and_writes_nothing(
    containers: ContainerFactory, tmp_output: Path
) -> None:
    media = containers(video={"output_gcs_uri": "gs://bucket/clips/"}).media_service()

    result = await _clip(media, tmp_output / "c.mp4")

    assert result.uri is not None
    assert result.uri.startswith("gs://bucket/clips/")
    assert result.bytes == 0
    assert not result.path.exists()


async def test_thumbnail_safety_block_is_content_blocked(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.faults({"route": "generateContent", "kind": "safety_block"})

    with pytest.raises(ContentBlockedError) as caught:
        await media.generate_thumbnail("a fox", tmp_output / "t.png")

    assert caught.value.reasons[0] == "SAFETY"
    assert left_behind(tmp_output) == []
