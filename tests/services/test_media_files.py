"""Probes of media files: image size and video duration; the MP4 check on a real clip."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from storyreel.files import is_mp4
from storyreel.services.google.files import image_size, mp4_duration


def _encode_mp4(path: Path, seconds: int, fps: int = 12) -> None:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 64, 112, "yuv420p"
        for index in range(seconds * fps):
            frame = av.VideoFrame.from_image(Image.new("RGB", (64, 112), (index % 255, 0, 0)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_image_size_reads_pillow_dimensions() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "PNG")

    assert image_size(buffer.getvalue()) == (40, 30)
    with pytest.raises(ValueError, match="unreadable image"):
        image_size(b"\x89PNG\r\n\x1a\nbroken")


def test_mp4_duration_of_a_real_clip(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    _encode_mp4(path, seconds=2)

    duration = mp4_duration(path)

    assert duration is not None
    assert duration == pytest.approx(2.0, abs=0.2)
    assert is_mp4(path.read_bytes())


def test_mp4_duration_of_garbage_is_none(tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\x00" * 32)

    assert mp4_duration(path) is None
