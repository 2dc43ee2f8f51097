"""Start-up options of the emulator: how slow each kind of call pretends to be."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """Latencies, in seconds, that the emulator adds to each kind of call.

    ``video_latency_s`` is the time from a Veo submission until its operation
    reports ``done``; the other two delay the reply of text and image calls.
    """

    video_latency_s: float = 2.0
    text_latency_s: float = 0.0
    image_latency_s: float = 0.0

    def __post_init__(self) -> None:
        for name in ("video_latency_s", "text_latency_s", "image_latency_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
