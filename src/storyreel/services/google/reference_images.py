"""Images a user hands storyreel (a character's reference picture), checked before anything
is paid for: a readable file, decoded as an image, of a type and size Google takes."""

from __future__ import annotations

import io
import stat
from pathlib import Path

from storyreel.domain.images import IMAGE_INPUT_TYPES, MAX_IMAGE_INPUT_BYTES, megabytes
from storyreel.errors import InputError
from storyreel.services.google.models import InputImage

# Pillow's format names for the types Google reads.
_MIME_BY_FORMAT = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


def load_reference_image(path: Path, *, what: str) -> InputImage:
    """The image in ``path`` as an InputImage; ``what`` names it in errors ("the reference
    image of Mara"). An InputError names the file and what to do when it is not a regular
    file, cannot be read, is not an image (decoded, whatever its name), is of a type Google
    does not take or is larger than Google's limit for input images."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what} {path} is not a regular file: give the path of an image file")
    _check_size(info.st_size, path, what)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    _check_size(len(data), path, what)
    return InputImage(data=data, mime_type=_decoded_type(data, path, what))


def _check_size(size: int, path: Path, what: str) -> None:
    if size > MAX_IMAGE_INPUT_BYTES:
        raise InputError(
            f"{what} {path} is {megabytes(size)}; Google takes input images of at most "
            f"{megabytes(MAX_IMAGE_INPUT_BYTES)}: make it smaller"
        )
    if size == 0:
        raise InputError(f"{what} {path} is empty: give a PNG, JPEG or WebP image")


def _decoded_type(data: bytes, path: Path, what: str) -> str:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            name = image.format or ""
            # Decoding every pixel finds a truncated or corrupt file that a header alone hides.
            image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise InputError(
            f"{what} {path} is not an image storyreel can read ({exc}): give a PNG, JPEG or "
            "WebP image"
        ) from exc
    mime = _MIME_BY_FORMAT.get(name)
    if mime is None or mime not in IMAGE_INPUT_TYPES:
        raise InputError(
            f"{what} {path} is a {name or 'unknown'} image; Google takes PNG, JPEG or WebP: "
            "convert it"
        )
    return mime


__all__ = ["load_reference_image"]
