"""Small, playable H.264 MP4 clips that show the segment's words, encoded deterministically with
PyAV; with a quiet AAC sound bed when the request asked for audio."""

from __future__ import annotations

import functools
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import av

from storyreel.emulator.audio_bed import add_bed_stream, encode_bed
from storyreel.emulator.images import fitted, frame_size, palette, render_card
from storyreel.emulator.yuv_frames import PlaneCanvas

FPS: Final = 8
# The long side of a clip at each resolution Veo makes: 720p at 9:16 is 720x1280.
LONG_SIDES: Final = {"720p": 1280, "1080p": 1920}
MAX_SECONDS: Final = 30
# A clip asked to end on a last frame fades into it over this many frames, ending on it exactly.
FADE_FRAMES: Final = FPS // 2


@dataclass(frozen=True, slots=True)
class ClipSpec:
    """Everything that decides a clip's bytes: equal specs give identical files.

    ``card`` is the text the title card shows (the segment's narration, when the emulator
    knows it); ``audio`` adds a sound bed, as ``generateAudio`` asks of Veo; ``resolution``
    is 720p or 1080p. As with Veo, a clip with an ``image`` starts on exactly that picture
    (then shows it behind the card) and one with a ``last_frame`` ends on exactly that one.
    """

    prompt: str
    ratio: tuple[int, int] = (16, 9)
    seconds: int = 8
    sample: int = 0
    image: bytes | None = None
    card: str | None = None
    audio: bool = False
    resolution: str = "720p"
    last_frame: bytes | None = None


def card_text(spec: ClipSpec) -> str:
    """What the clip's title card says: the narration if known, else the prompt."""
    return spec.card.strip() if spec.card and spec.card.strip() else spec.prompt


def _frames(spec: ClipSpec, size: tuple[int, int]) -> Iterator[av.VideoFrame]:
    caption = f"storyreel emulator · take {spec.sample + 1}"
    picture = fitted(spec.image, size) if spec.image is not None else None
    base = render_card(card_text(spec), size, caption=caption, background=picture)
    width, height = size
    accent = tuple(255 - channel // 2 for channel in palette(spec.prompt)[0])
    canvas = PlaneCanvas(base, accent)
    ending = None
    if spec.last_frame is not None:
        ending = PlaneCanvas(fitted(spec.last_frame, size), accent)
    radius = max(6, min(size) // 24)
    total = spec.seconds * FPS
    fade_from = total - FADE_FRAMES if ending is not None else total
    for index in range(total):
        if index == 0 and picture is not None:
            yield PlaneCanvas(picture, accent).frame([])
            continue
        # A square crossing the frame and a progress bar: enough motion to tell frames apart.
        x = radius + (width - 2 * radius) * index // max(1, total - 1)
        y = height // 6
        dot = (x - radius, y - radius, x + radius, y + radius)
        bar = (0, height - 6, width * (index + 1) // total, height)
        if ending is None or index < fade_from:
            yield canvas.frame([dot, bar])
            continue
        weight = (index - fade_from + 1) / FADE_FRAMES
        yield canvas.mixed(ending, weight).frame([dot, bar] if weight < 1 else [])


@functools.lru_cache(maxsize=32)
def make_mp4(spec: ClipSpec) -> bytes:
    """Encode ``spec`` as H.264/yuv420p MP4; cached, and safe to call from worker threads."""
    if not 1 <= spec.seconds <= MAX_SECONDS:
        raise ValueError(f"duration must be 1-{MAX_SECONDS} seconds, got {spec.seconds}")
    size = frame_size(spec.ratio, LONG_SIDES[spec.resolution], even=True)
    out = io.BytesIO()
    # bitexact keeps library version strings and timestamps out of the file, and a single
    # encoder thread keeps x264's decisions independent of scheduling: same spec, same bytes.
    with av.open(out, mode="w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast", "crf": "30", "threads": "1"}
        bed = add_bed_stream(container) if spec.audio else None
        for frame in _frames(spec, size):
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
        if bed is not None:
            encode_bed(container, bed, spec.prompt, spec.seconds)
    return out.getvalue()
