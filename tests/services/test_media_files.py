"""Magic-byte checks, atomic writes and probes of media files."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from storyreel.services.google import files as media_files
from storyreel.services.google.files import (
    image_mime_type,
    image_size,
    is_mp4,
    mp4_duration,
    write_atomic,
)


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


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", True),
        (b"\x00\x00\x00\x01ftypmp42\x00\x00\x00\x00\x00\x00\x00\x20", True),
        (b"\x00\x00\x00\x04ftypisom", False),  # a box too small to hold a brand
        (b"\x00\x00\x00\x18moovisom\x00\x00\x02\x00", False),
        (b"<html>ftyp</html>", False),
        (b"", False),
    ],
)
def test_is_mp4_reads_the_ftyp_box(data: bytes, expected: bool) -> None:
    assert is_mp4(data) is expected


def test_image_mime_type_by_magic_bytes() -> None:
    assert image_mime_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert image_mime_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert image_mime_type(b"GIF89a") is None


def test_image_size_reads_pillow_dimensions() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30)).save(buffer, "PNG")

    assert image_size(buffer.getvalue()) == (40, 30)
    with pytest.raises(ValueError, match="unreadable image"):
        image_size(b"\x89PNG\r\n\x1a\nbroken")


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    dest = tmp_path / "deep" / "clip.mp4"
    write_atomic(dest, b"old")
    write_atomic(dest, b"new")

    assert dest.read_bytes() == b"new"
    assert [p.name for p in dest.parent.iterdir()] == ["clip.mp4"]


def test_write_atomic_failure_keeps_the_old_file_and_cleans_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"old")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(media_files.os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomic(dest, b"new")
    monkeypatch.setattr(media_files.os, "replace", os.replace)

    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


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
