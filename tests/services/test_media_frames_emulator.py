"""Images drawn from input images, and clips that start and end on given frames: MediaService
through the real google-genai SDK against the emulator over loopback."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageOps
from test_media_emulator import ContainerFactory, containers, control

from emulator_control import EmulatorControl as Control
from storyreel.errors import InputError
from storyreel.services.google.media import InputImage, MediaService
from storyreel.services.google.reference_images import load_reference_image
from storyreel.testing.samples import frame_difference, video_frames

__all__ = ["containers", "control"]

# Mean absolute difference (0-255 over RGB) under which a decoded frame shows a given picture;
# measured 1.4-2.3 for a keyframe and its clip's first frame, 23-40 between keyframes.
SAME_PICTURE = 8.0


@pytest.fixture(autouse=True)
def _fresh_emulator(control: Control) -> Iterator[None]:
    control.reset()
    yield
    control.reset()


@pytest.fixture
def media(containers: ContainerFactory) -> MediaService:
    service: MediaService = containers(
        google={"video_model": "veo-3.1-fast-generate-001"}
    ).media_service()
    return service


def _sheet(tmp_path: Path, name: str, color: tuple[int, int, int]) -> InputImage:
    path = tmp_path / f"{name}.png"
    Image.new("RGB", (48, 48), color).save(path)
    return load_reference_image(path, what=f"the reference image of {name}")


async def test_a_keyframe_drawn_from_sheets_starts_its_clip(
    media: MediaService, tmp_output: Path, tmp_path: Path, control: Control
) -> None:
    control.configure(video_latency_s=0)
    sheets = [_sheet(tmp_path, "Mara", (220, 30, 30)), _sheet(tmp_path, "Tomas", (30, 30, 220))]

    drawn = await media.draw_image(
        "Mara and Tomas on the pier", tmp_output / "k1.png", inputs=sheets, what="keyframe 1"
    )
    keyframe = InputImage(drawn.path.read_bytes(), drawn.mime_type)
    request = media.video_request("they wave", duration_seconds=4, first_frame=keyframe)
    operation = await media.submit_video(request, label="clip 1")
    clip = await media.wait_video(operation, tmp_output / "clip1.mp4", label="clip 1")

    (image_request,) = control.image_requests()
    assert image_request["inputs"] == [sheet.sha256 for sheet in sheets]
    (frames,) = control.veo_frames()
    assert (frames["image"], frames["last_frame"]) == (keyframe.sha256, None)
    first = video_frames(clip.path)[0]
    with Image.open(drawn.path) as picture:
        shown = ImageOps.fit(picture.convert("RGB"), first.size)
    assert frame_difference(shown, first) < SAME_PICTURE


async def test_chained_clip_ends_on_the_next_keyframe(
    media: MediaService, tmp_output: Path, control: Control
) -> None:
    control.configure(video_latency_s=0)
    start = InputImage(_png((240, 240, 240)), "image/png")
    end = InputImage(_png((10, 120, 10)), "image/png")

    request = media.video_request(
        "dusk falls", duration_seconds=4, first_frame=start, last_frame=end
    )
    operation = await media.submit_video(request, label="clip 1")
    clip = await media.wait_video(operation, tmp_output / "clip1.mp4", label="clip 1")

    frames = video_frames(clip.path)
    assert (
        frame_difference(frames[-1], Image.new("RGB", frames[-1].size, (10, 120, 10)))
        < SAME_PICTURE
    )
    (submitted,) = control.veo_frames()
    assert submitted["last_frame"] == end.sha256


async def test_a_bad_reference_image_costs_nothing(tmp_path: Path, control: Control) -> None:
    path = tmp_path / "mara.png"
    path.write_bytes(b"GIF89a" + b"\0" * 64)

    with pytest.raises(InputError, match=r"mara\.png is not an image"):
        load_reference_image(path, what="the reference image of Mara")

    assert control.image_requests() == []


def _png(color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (90, 160), color).save(out, format="PNG")
    return out.getvalue()
