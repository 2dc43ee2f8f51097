"""Burned-in captions: where they go on the picture and how each cue's image is drawn.

Vertical video leaves the bottom fifth and the right edge to the platform's own buttons and
description (TikTok, Reels, Shorts), so captions sit above that band and away from the right.
Each cue is drawn once with Pillow as a transparent band (white text, dark outline, dark
translucent box) that the overlay filter lays on the frames that show it.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from storyreel.services.reel.captions import MAX_CHARS, MAX_LINES

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
_SAMPLE = "the quick brown fox jumps over the lazy dog"
_BOX = (0, 0, 0, 150)
_TEXT = (255, 255, 255, 255)
_OUTLINE = (0, 0, 0, 255)


@functools.lru_cache(maxsize=32)
def font(size: int) -> Font:
    """Pillow's built-in scalable font: no system font needed."""
    return ImageFont.load_default(size=size)


@dataclass(frozen=True)
class CaptionLayout:
    """The caption band of a ``width``×``height`` picture: a full-width strip whose bottom
    edge is ``bottom`` pixels from the top; text stays between ``left`` and ``right``."""

    width: int
    height: int
    font_size: int
    line_height: int
    padding: int
    left: int
    right: int
    bottom: int
    max_chars: int

    @property
    def band_height(self) -> int:
        return 2 * (math.ceil((MAX_LINES * self.line_height + 2 * self.padding) / 2) + 1)

    @property
    def band_top(self) -> int:
        return (self.bottom - self.band_height) // 2 * 2


def caption_layout(width: int, height: int) -> CaptionLayout:
    """Where captions go on a ``width``×``height`` picture, and how large they are."""
    vertical = height > width
    size = max(10, round(min(width, height) * (0.06 if vertical else 0.055)))
    left = round(width * 0.06)
    right = width - round(width * (0.16 if vertical else 0.06))
    bottom = round(height * (0.78 if vertical else 0.9))
    padding = max(2, round(size * 0.35))
    average = font(size).getlength(_SAMPLE) / len(_SAMPLE)
    fit = int((right - left - 2 * padding) / max(average, 1.0))
    return CaptionLayout(
        width=width,
        height=height,
        font_size=size,
        line_height=round(size * 1.25),
        padding=padding,
        left=left,
        right=right,
        bottom=bottom,
        max_chars=max(8, min(MAX_CHARS, fit)),
    )


def render_caption(lines: Sequence[str], layout: CaptionLayout) -> bytes:
    """The RGBA bytes of a ``width``×``band_height`` band showing ``lines``: centred in the
    safe area, bottom-aligned, shrunk when a line of wide letters would overflow it."""
    room = layout.right - layout.left - 2 * layout.padding
    size = layout.font_size
    widest = max(font(size).getlength(line) for line in lines)
    if widest > room:
        size = max(8, math.floor(size * room / widest))
    face = font(size)
    line_height = round(layout.line_height * size / layout.font_size)
    stroke = max(1, round(size / 14))
    band = Image.new("RGBA", (layout.width, layout.band_height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(band)
    text_width = max(face.getlength(line) for line in lines)
    text_height = line_height * len(lines)
    centre = (layout.left + layout.right) / 2
    bottom = layout.band_height - 2
    top = bottom - text_height - 2 * layout.padding
    box = (
        round(centre - text_width / 2 - layout.padding),
        top,
        round(centre + text_width / 2 + layout.padding),
        bottom,
    )
    draw.rounded_rectangle(box, radius=layout.padding, fill=_BOX)
    for row, line in enumerate(lines):
        y = top + layout.padding + row * line_height + line_height / 2
        draw.text(
            (centre, y),
            line,
            font=face,
            fill=_TEXT,
            anchor="mm",
            stroke_width=stroke,
            stroke_fill=_OUTLINE,
        )
    return band.tobytes()
