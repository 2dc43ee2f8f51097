"""Media file checks by magic bytes, atomic writes, and cheap probes of size and duration."""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path

logger = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def is_mp4(data: bytes) -> bool:
    """Whether ``data`` starts like an ISO base media file (MP4): an ``ftyp`` box at offset 4."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[0:4], "big")
    # A real ftyp box holds at least its header and the major brand.
    return box_size == 1 or box_size >= 12


def image_mime_type(data: bytes) -> str | None:
    """``image/png`` or ``image/jpeg`` from the magic bytes, else None."""
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    return None


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of an encoded image, read by Pillow without decoding the pixels.

    Raises ``ValueError`` when Pillow cannot read it.
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"unreadable image: {exc}") from None
    return int(width), int(height)


def write_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same folder (same filesystem, so the rename
    is atomic), are fsynced, then replace ``dest``. A failure leaves no temporary file.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(dest.parent)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def mp4_duration(path: Path) -> float | None:
    """The playing time of a video file in seconds, or None when PyAV cannot tell."""
    try:
        import av
    except ImportError:
        return None
    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                return float(container.duration) / av.time_base
            stream = container.streams.video[0] if container.streams.video else None
            if stream is not None and stream.duration is not None and stream.time_base:
                return float(stream.duration * stream.time_base)
    except (av.FFmpegError, OSError, IndexError) as exc:
        logger.debug("could not read the duration of %s: %s", path, exc)
    return None


__all__ = ["image_mime_type", "image_size", "is_mp4", "mp4_duration", "write_atomic"]
