"""Title cards: the picture shown for a segment whose clip is missing, carrying its narration
so that the reel keeps its timing and its story."""

from __future__ import annotations

import av
from PIL import Image, ImageDraw

from storyreel.services.reel.overlay import Font, font

_BACKGROUND = (22, 24, 32)
_TEXT = (245, 245, 240)
_ACCENT = (120, 130, 160)


def _wrap(words: list[str], face: Font, width: float) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}".strip()
        if line and face.getlength(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def card_image(text: str, width: int, height: int) -> Image.Image:
    """``text`` in large light letters, centred on a plain dark background."""
    image = Image.new("RGB", (width, height), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    words = text.split()
    size = max(10, round(min(width, height) * 0.075))
    room_w, room_h = width * 0.8, height * 0.7
    # Shrink until the wrapped text fits the middle of the card.
    while True:
        face = font(size)
        lines = _wrap(words, face, room_w)
        line_height = round(size * 1.3)
        widest = max((face.getlength(line) for line in lines), default=0.0)
        if size <= 8 or (len(lines) * line_height <= room_h and widest <= room_w):
            break
        size = max(8, round(size * 0.9))
    top = (height - len(lines) * line_height) / 2
    for row, line in enumerate(lines):
        draw.text(
            (width / 2, top + row * line_height + line_height / 2),
            line,
            font=face,
            fill=_TEXT,
            anchor="mm",
        )
    rule = max(2, height // 200)
    draw.rectangle(
        (width * 0.35, top - line_height, width * 0.65, top - line_height + rule), fill=_ACCENT
    )
    return image


def card_frame(text: str, width: int, height: int) -> av.VideoFrame:
    """The title card as a yuv420p frame, ready to be repeated for the card's duration."""
    image = card_image(text, width, height)
    frame: av.VideoFrame = av.VideoFrame.from_image(image)  # type: ignore[no-untyped-call]
    return frame.reformat(format="yuv420p")
