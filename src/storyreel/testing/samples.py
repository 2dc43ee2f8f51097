"""Small, valid media for fakes (a playable H.264 MP4, a PNG of a given aspect ratio), a story
with two characters, and the measure that tells whether two pictures show the same frame."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PIL import Image


@functools.cache
def tiny_mp4(seconds: int = 4, ratio: str = "9:16") -> bytes:
    """A small playable H.264 MP4 of ``seconds`` at 2 frames per second."""
    import av
    from PIL import Image

    width, height = (64, 112) if ratio == "9:16" else (112, 64)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=2)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(max(1, seconds * 2)):
            shade = 40 + index * 10 % 200
            frame = av.VideoFrame.from_image(  # type: ignore[no-untyped-call]
                Image.new("RGB", (width, height), (shade, 90, 160))
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


@functools.cache
def tiny_png(ratio: str = "1:1") -> bytes:
    """A small PNG with the proportions of ``ratio``."""
    from PIL import Image

    across, down = (int(part) for part in ratio.split(":"))
    scale = 64 / max(across, down)
    image = Image.new("RGB", (max(1, round(across * scale)), max(1, round(down * scale))))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


__all__ = ["tiny_mp4", "tiny_png"]


def two_character_story() -> dict[str, Any]:
    """A 3-segment story (as ``story.json`` holds it) with two characters: the first
    segment names one, the second the other, the third both."""
    segments = [
        ("Mara climbs.", "Mara climbs the lighthouse stairs at dusk."),
        ("Tom hauls his nets.", "Tom hauls his nets on a grey sea at dawn."),
        ("They share tea.", "Mara and Tom share tea beside the great lamp."),
    ]
    return {
        "title": "The Keeper",
        "logline": "A keeper and a fisherman weather a storm together.",
        "style": "watercolour",
        "characters": [
            {"name": "Mara", "description": "a wiry lighthouse keeper in a red oilskin coat"},
            {"name": "Tom Reyes", "description": "a stout fisherman with a grey beard, blue cap"},
        ],
        "segments": [
            {"index": n, "narration": said, "visual_prompt": shown, "duration_seconds": 4}
            for n, (said, shown) in enumerate(segments, start=1)
        ],
    }


def video_frames(clip: Path | bytes) -> list[Image.Image]:
    """Every frame of an MP4 (a file or its bytes), decoded, as RGB pictures."""
    import av

    source = io.BytesIO(clip) if isinstance(clip, bytes) else str(clip)
    with av.open(source, mode="r") as container:
        decoded = container.decode(video=0)
        return [frame.to_image().convert("RGB") for frame in decoded]  # type: ignore[no-untyped-call]


def frame_difference(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute difference per RGB channel (0-255) between ``a`` and ``b`` scaled to
    ``a``'s size: about 2 for a picture and the same picture through H.264, tens for two
    different scenes."""
    from PIL import ImageChops, ImageStat

    other = b.convert("RGB")
    if other.size != a.size:
        other = other.resize(a.size)
    return float(sum(ImageStat.Stat(ImageChops.difference(a.convert("RGB"), other)).mean) / 3)
