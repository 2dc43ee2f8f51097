"""The quiet sound bed of emulated Veo clips that ask for audio: deterministic, about -30 dBFS."""

from __future__ import annotations

import array
import functools
import hashlib
import math
from typing import Final

import av

SAMPLE_RATE: Final = 48_000
# The bed's RMS level: quiet enough to sit under a voice, loud enough to measure.
LEVEL_DBFS: Final = -30.0
_FRAME: Final = 1024  # samples per AAC frame
_TONES: Final = ((220, 330), (196, 294), (247, 370), (175, 262))
_WIDTH: Final = 4  # bytes per 32-bit float sample


@functools.lru_cache(maxsize=8)
def _second(seed: str) -> bytes:
    """One second of a soft two-tone chord with a slow swell, as 32-bit float samples.

    Whole-hertz tones repeat every second exactly, so a clip is this second over and over.
    """
    low, high = _TONES[hashlib.sha256(seed.encode()).digest()[0] % len(_TONES)]
    raw = []
    for n in range(SAMPLE_RATE):
        t = n / SAMPLE_RATE
        swell = 0.75 + 0.25 * math.sin(2 * math.pi * t)
        raw.append(
            swell * (math.sin(2 * math.pi * low * t) + 0.5 * math.sin(2 * math.pi * high * t))
        )
    rms = math.sqrt(sum(value * value for value in raw) / len(raw))
    scale = 10 ** (LEVEL_DBFS / 20) / rms
    return array.array("f", (value * scale for value in raw)).tobytes()


def add_bed_stream(container: av.container.OutputContainer) -> av.audio.stream.AudioStream:
    """Add the bed's AAC stream; every stream must exist before the first packet is written."""
    stream = container.add_stream("aac", rate=SAMPLE_RATE)
    stream.layout = "mono"
    return stream


def encode_bed(
    container: av.container.OutputContainer,
    stream: av.audio.stream.AudioStream,
    seed: str,
    seconds: int,
) -> None:
    """Encode ``seconds`` of the bed picked by ``seed`` into ``stream``."""
    looped = _second(seed) * 2
    total = seconds * SAMPLE_RATE
    for start in range(0, total, _FRAME):
        count = min(_FRAME, total - start)
        offset = start % SAMPLE_RATE
        frame = av.AudioFrame(format="fltp", layout="mono", samples=count)
        frame.planes[0].update(looped[offset * _WIDTH : (offset + count) * _WIDTH])
        frame.sample_rate = SAMPLE_RATE
        frame.pts = start
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode():
        container.mux(packet)
