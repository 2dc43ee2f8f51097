"""Title cards that show a prompt's words: the PNG of image replies and the frames of videos."""

from __future__ import annotations

import functools
import hashlib
import io
import re
from typing import Final

from PIL import Image, ImageDraw, ImageFont, ImageOps

_RATIO: Final = re.compile(r"^\s*(\d{1,2})\s*:\s*(\d{1,2})\s*$")
_MAX_WORDS: Final = 40


class AspectRatioError(ValueError):
    """An aspect ratio that is not ``W:H`` with small positive whole numbers."""


def parse_ratio(text: str | None, default: str = "1:1") -> tuple[int, int]:
    """``"9:16"`` → ``(9, 16)``; bounded so that a request cannot ask for a sliver."""
    match = _RATIO.match(text or default)
    if match is None:
        raise AspectRatioError(f"aspect ratio must look like '16:9', got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not width or not height or max(width, height) > 4 * min(width, height):
        raise AspectRatioError(f"unsupported aspect ratio {text!r}")
    return width, height


def frame_size(ratio: tuple[int, int], long_side: int, even: bool = False) -> tuple[int, int]:
    """Pixel size with ``long_side`` on the longer edge; ``even`` for chroma-subsampled video."""
    width, height = ratio
    if width >= height:
        size = (long_side, round(long_side * height / width))
    else:
        size = (round(long_side * width / height), long_side)
    if even:
        return size[0] // 2 * 2, size[1] // 2 * 2
    return size


def palette(prompt: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """Two dark colours picked by the prompt, so different prompts look different."""
    digest = hashlib.sha256(prompt.encode()).digest()
    top = (20 + digest[0] % 90, 20 + digest[1] % 90, 40 + digest[2] % 110)
    bottom = (digest[3] % 60, digest[4] % 60, 20 + digest[5] % 70)
    return top, bottom


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(words: list[str], font: ImageFont.FreeTypeFont | ImageFont.ImageFont, width: int) -> str:
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return "\n".join(lines)


def render_card(
    prompt: str,
    size: tuple[int, int],
    caption: str = "",
    background: Image.Image | None = None,
) -> Image.Image:
    """A gradient (or a copy of ``background``, of ``size``) with the prompt's words wrapped
    across the middle."""
    width, height = size
    if background is not None:
        card = background.copy()
    else:
        top, bottom = palette(prompt)
        seed = Image.new("RGB", (1, 2))
        seed.putpixel((0, 0), top)
        seed.putpixel((0, 1), bottom)
        card = seed.resize(size, Image.Resampling.BILINEAR)
    draw = ImageDraw.Draw(card)
    font = _font(max(12, min(width, height) // 12))
    words = prompt.split()[:_MAX_WORDS] or ["(empty", "prompt)"]
    text = _wrap(words, font, int(width * 0.86))
    draw.multiline_text(
        (width // 2, height // 2),
        text,
        font=font,
        fill=(250, 250, 245),
        anchor="mm",
        align="center",
        stroke_width=2,
        stroke_fill=(0, 0, 0),
    )
    if caption:
        small = _font(max(10, min(width, height) // 28))
        draw.text(
            (width // 2, height - height // 14),
            caption,
            font=small,
            fill=(210, 210, 200),
            anchor="mm",
        )
    return card


def fitted(data: bytes, size: tuple[int, int]) -> Image.Image:
    """The encoded picture ``data`` scaled and centre-cropped to fill ``size``, in RGB."""
    with Image.open(io.BytesIO(data)) as source:
        return ImageOps.fit(source.convert("RGB"), size)


@functools.lru_cache(maxsize=32)
def make_png(prompt: str, ratio: tuple[int, int], long_side: int = 1024) -> bytes:
    """A PNG of ``ratio`` that shows ``prompt``; cached, since identical requests are common."""
    size = frame_size(ratio, long_side)
    card = render_card(prompt, size, caption=f"storyreel emulator · {ratio[0]}:{ratio[1]}")
    out = io.BytesIO()
    # Low compression: flat gradients compress well anyway and speed matters more here.
    card.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def describe_image(data: bytes) -> str:
    """``"a 64×64 PNG image"`` from the header only, or a neutral phrase if it does not decode."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            return f"a {image.width}×{image.height} {image.format or 'image'} image"
    except (OSError, ValueError, Image.DecompressionBombError):
        return "an image that could not be decoded"
