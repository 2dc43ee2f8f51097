"""What Google takes as an input image: the types and sizes its documentation states.

Gemini's image models read inline images of Vertex AI's documented types up to 7 MB each; Veo
takes its first and last frames as JPEG or PNG up to 20 MB. Sizes are decimal megabytes, the
stricter reading of Google's "MB", so nothing refused by Google passes storyreel's check.
"""

from __future__ import annotations

from typing import Final

IMAGE_INPUT_TYPES: Final = ("image/png", "image/jpeg", "image/webp")
MAX_IMAGE_INPUT_BYTES: Final = 7_000_000
VEO_FRAME_TYPES: Final = ("image/png", "image/jpeg")
MAX_VEO_FRAME_BYTES: Final = 20_000_000


def megabytes(size: int) -> str:
    """``size`` bytes as decimal megabytes, for messages."""
    return f"{size / 1_000_000:.1f} MB"


__all__ = [
    "IMAGE_INPUT_TYPES",
    "MAX_IMAGE_INPUT_BYTES",
    "MAX_VEO_FRAME_BYTES",
    "VEO_FRAME_TYPES",
    "megabytes",
]
