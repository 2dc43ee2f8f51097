"""Start-up options of the emulator: how slow each kind of call pretends to be."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class EmulatorOptions:
    """Latencies, in seconds, that the emulator adds to each kind of call.

    ``video_latency_s`` is the time from a Veo submission until its operation
    reports ``done``; the other two delay the reply of text and image calls.

    ``state_dir``, when set, is where Veo operations (and the narrations the emulator
    wrote for each visual prompt) are kept on disk, so that an operation accepted by one
    process can be polled and collected by any later one using the same folder, as with
    the real service. Without it they live in memory and end with the process.

    ``express_veo`` lets Veo be called in express mode (an API key, no project in the
    path). Off by default, as on Vertex AI, which refuses it with 400 INVALID_ARGUMENT.
    """

    video_latency_s: float = 2.0
    text_latency_s: float = 0.0
    image_latency_s: float = 0.0
    state_dir: Path | None = None
    express_veo: bool = False

    def __post_init__(self) -> None:
        for name in ("video_latency_s", "text_latency_s", "image_latency_s"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
