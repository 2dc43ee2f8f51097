"""Media files on disk: saving what Google made, and cheap probes of size and duration."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path

from storyreel.errors import InputError
from storyreel.files import is_mp4, write_atomic

logger = logging.getLogger(__name__)


async def save_media(dest: Path, data: bytes, *, what: str, operation: str | None = None) -> None:
    """Write ``data`` to ``dest`` atomically off the event loop; an unwritable ``dest`` is an
    InputError that says, for a clip, that ``operation`` can be polled again to fetch it."""
    try:
        await asyncio.to_thread(write_atomic, dest, data)
    except OSError as exc:
        again = f"; operation {operation} can be polled again to fetch it" if operation else ""
        raise InputError(f"cannot write {what} to {dest}: {exc.strerror or exc}{again}") from exc


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


# The image formats a thumbnail can be written in, by file extension.
IMAGE_TYPES_BY_SUFFIX = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
_PILLOW_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


def converted_image(data: bytes, mime_type: str) -> bytes:
    """The encoded image ``data`` re-encoded by Pillow as ``mime_type`` (PNG, JPEG or WebP).

    Raises ``ValueError`` when Pillow cannot read ``data``.
    """
    from PIL import Image, UnidentifiedImageError

    out = io.BytesIO()
    try:
        with Image.open(io.BytesIO(data)) as image:
            picture = image.convert("RGB") if mime_type == "image/jpeg" else image
            lossy = {"quality": 92} if mime_type != "image/png" else {}
            picture.save(out, format=_PILLOW_FORMATS[mime_type], **lossy)
    except (UnidentifiedImageError, OSError) as exc:
        raise ValueError(f"unreadable image: {exc}") from None
    return out.getvalue()


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


# is_mp4 lives in storyreel.files; tests/api and tests/testing still import it from here.
__all__ = [
    "IMAGE_TYPES_BY_SUFFIX",
    "converted_image",
    "image_size",
    "is_mp4",
    "mp4_duration",
    "save_media",
]
