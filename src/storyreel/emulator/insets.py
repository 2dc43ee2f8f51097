"""Input images shown in an image reply: each input as a framed thumbnail in a row along the
bottom edge, so that a test (or a person) sees which pictures reached the image model."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Final

from PIL import Image, ImageDraw, ImageOps

Box = tuple[int, int, int, int]
# The thumbnails take at most this share of the short side each, and leave a margin around.
_SHARE: Final = 4
_BORDER: Final = 3


def inset_boxes(size: tuple[int, int], count: int) -> list[Box]:
    """Where the ``count`` thumbnails of a picture of ``size`` go (left, top, right, bottom,
    right and bottom excluded), inside their white frames: a row along the bottom, left to
    right, as many as fit (the rest are left out)."""
    width, height = size
    side = min(width, height) // _SHARE
    gap = max(4, side // 8)
    fits = max(0, (width - gap) // (side + gap))
    top = height - gap - side
    boxes = []
    for number in range(min(count, fits)):
        left = gap + number * (side + gap)
        boxes.append((left, top, left + side, top + side))
    return boxes


def with_insets(png: bytes, inputs: Sequence[bytes]) -> bytes:
    """``png`` with each of ``inputs`` (encoded images) inset as a thumbnail; ``png`` itself
    when there are none."""
    if not inputs:
        return png
    with Image.open(io.BytesIO(png)) as opened:
        picture = opened.convert("RGB")
    draw = ImageDraw.Draw(picture)
    for data, (left, top, right, bottom) in zip(
        inputs, inset_boxes(picture.size, len(inputs)), strict=False
    ):
        draw.rectangle(
            (left - _BORDER, top - _BORDER, right + _BORDER - 1, bottom + _BORDER - 1),
            fill=(255, 255, 255),
        )
        with Image.open(io.BytesIO(data)) as source:
            # The whole input, letterboxed: a portrait sheet stays recognisable in a square.
            thumb = ImageOps.pad(
                source.convert("RGB"), (right - left, bottom - top), color=(0, 0, 0)
            )
        picture.paste(thumb, (left, top))
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=1)
    return out.getvalue()


__all__ = ["inset_boxes", "with_insets"]
