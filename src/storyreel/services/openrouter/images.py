"""Reference images for the vision model: local files checked by magic bytes, or http(s) URLs."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence
from pathlib import Path

from storyreel.errors import InputError
from storyreel.files import sniff_image_type

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGES = 10


def image_url(image: str | os.PathLike[str]) -> str:
    """A URL the vision model can read: an http(s) URL as given (storyreel never fetches it),
    or a local PNG/JPEG/WebP file of at most 20 MB as a base64 ``data:`` URL."""
    text = os.fspath(image)
    if text.startswith(("http://", "https://")):
        return text
    if not text.strip():
        raise InputError("an image path is empty")
    path = Path(text).expanduser()
    try:
        if not path.is_file():
            what = "is not a file" if path.exists() else "does not exist"
            raise InputError(f"image {text!r} {what}")
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise InputError(
                f"image {text!r} is {size / 1024 / 1024:.1f} MB; the limit is "
                f"{MAX_IMAGE_BYTES // 1024 // 1024} MB"
            )
        data = path.read_bytes()
    except (OSError, ValueError) as exc:
        # A name too long for the file system, a NUL in the path, no permission...
        raise InputError(
            f"cannot read image {text!r}: {getattr(exc, 'strerror', None) or exc}"
        ) from None
    mime = sniff_image_type(data[:16])
    if mime is None:
        raise InputError(f"image {text!r} is not a PNG, JPEG or WebP image")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def image_urls(images: Sequence[str | os.PathLike[str]]) -> list[str]:
    """:func:`image_url` for each of 1..10 images."""
    if isinstance(images, str | os.PathLike):
        images = [images]
    if not images:
        raise InputError("give at least one image (a PNG, JPEG or WebP file, or an http(s) URL)")
    if len(images) > MAX_IMAGES:
        raise InputError(f"give at most {MAX_IMAGES} images, got {len(images)}")
    return [image_url(image) for image in images]
