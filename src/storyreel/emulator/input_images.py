"""Images sent to the emulator as input (inline parts of ``generateContent``, Veo's ``image``
and ``lastFrame``), refused as Vertex AI refuses them: an unsupported type, bytes that are not
an image, or more than the documented size. The limits are Google's, written here from its
pages independently of storyreel's own checks: Gemini reads PNG, JPEG, WebP, HEIC and HEIF
inline up to 7 MB; Veo takes JPEG or PNG frames up to 20 MB."""

from __future__ import annotations

import base64
import binascii
import io
from collections.abc import Mapping
from typing import Any, Final

from PIL import Image

GEMINI_IMAGE_TYPES: Final = ("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif")
GEMINI_MAX_IMAGE_BYTES: Final = 7 * 1000 * 1000
VEO_IMAGE_TYPES: Final = ("image/jpeg", "image/png")
VEO_MAX_IMAGE_BYTES: Final = 20 * 1000 * 1000
# Pillow reads no HEIC/HEIF without a plugin: those are taken on trust, as Google reads them.
_UNCHECKED: Final = ("image/heic", "image/heif")


class InputImageError(ValueError):
    """An input image Vertex answers with 400 INVALID_ARGUMENT; the message is its kind."""


def decoded(value: object, where: str) -> bytes:
    """The bytes of a base64 field ``where`` (``instances[0].image.bytesBase64Encoded``)."""
    if not isinstance(value, str):
        raise InputImageError(f"Invalid value at '{where}': a base64 string is required.")
    # Proto JSON reads standard and URL-safe base64 alike, padded or not; pydantic (and so
    # google-genai's inline blobs) writes the URL-safe kind.
    text = value.strip().replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InputImageError(f"Invalid value at '{where}': the bytes are not base64.") from exc


def check_image(
    data: bytes, mime_type: str, *, where: str, types: tuple[str, ...], limit: int
) -> None:
    """Refuse ``data`` (declared ``mime_type``) unless its type is one of ``types``, it is at
    most ``limit`` bytes and it decodes as an image."""
    if mime_type not in types:
        raise InputImageError(
            f"Unable to submit request because {where} has a mimeType parameter with value "
            f"{mime_type}, which is not supported. Supported mime types are {list(types)}."
        )
    if len(data) > limit:
        raise InputImageError(
            f"The image in {where} is {len(data)} bytes, larger than the maximum of "
            f"{limit // 1_000_000} MB."
        )
    if mime_type in _UNCHECKED:
        return
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InputImageError(
            f"Unable to process input image in {where}. The image could not be decoded."
        ) from exc


def veo_frame(instance: Mapping[str, Any], key: str) -> bytes | None:
    """The bytes of Veo's ``image`` or ``lastFrame`` when sent inline (None for a gcsUri, which
    the emulator cannot read, or when absent), checked as Veo checks them."""
    frame = instance.get(key)
    if frame is None:
        return None
    where = f"instances[0].{key}"
    if not isinstance(frame, Mapping):
        raise InputImageError(f"Invalid value at '{where}': an Image object is required.")
    if "bytesBase64Encoded" not in frame:
        if not isinstance(frame.get("gcsUri"), str):
            raise InputImageError(f"{where} needs bytesBase64Encoded or gcsUri.")
        return None
    data = decoded(frame["bytesBase64Encoded"], f"{where}.bytesBase64Encoded")
    mime = frame.get("mimeType")
    if not isinstance(mime, str) or not mime:
        raise InputImageError(f"{where}.mimeType is required with bytesBase64Encoded.")
    check_image(data, mime, where=where, types=VEO_IMAGE_TYPES, limit=VEO_MAX_IMAGE_BYTES)
    return data


__all__ = [
    "GEMINI_IMAGE_TYPES",
    "GEMINI_MAX_IMAGE_BYTES",
    "VEO_IMAGE_TYPES",
    "VEO_MAX_IMAGE_BYTES",
    "InputImageError",
    "check_image",
    "decoded",
    "veo_frame",
]
