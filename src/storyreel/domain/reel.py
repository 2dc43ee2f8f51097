"""What a reel is made of, and what assembling one gives back: plain data shared by the job
layer, which plans a reel, and the assembler that renders it."""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass, field
from pathlib import Path

SPEECH_SAMPLE_RATE = 24_000
"""Gemini text-to-speech answers 16-bit mono PCM at 24 kHz (``audio/L16;codec=pcm;rate=24000``)."""


@dataclass(frozen=True)
class Speech:
    """Raw 16-bit little-endian PCM, as a text-to-speech call returns it."""

    pcm: bytes
    sample_rate: int = SPEECH_SAMPLE_RATE
    channels: int = 1

    @property
    def duration_s(self) -> float:
        return len(self.pcm) / (2 * self.channels * self.sample_rate)

    def to_wav(self) -> bytes:
        out = io.BytesIO()
        with wave.open(out, "wb") as wav:
            wav.setnchannels(self.channels)
            wav.setsampwidth(2)
            wav.setframerate(self.sample_rate)
            wav.writeframes(self.pcm)
        return out.getvalue()


@dataclass(frozen=True)
class ReelSegment:
    """One segment of the reel, in order. ``clip`` None makes a title card of ``narration``
    lasting ``duration_s``; ``voice`` None leaves the segment without a voice."""

    index: int
    narration: str
    duration_s: float
    clip: Path | None = None
    voice: Path | None = None
    """A WAV file of the narration (``audio/segment-NN.wav``)."""


@dataclass(frozen=True)
class ReelPlan:
    """Everything the assembler needs; ``width``×``height`` is the job's picture size."""

    segments: tuple[ReelSegment, ...]
    width: int
    height: int
    fps: int = 24
    music: Path | None = None
    music_volume_db: float = -18.0
    transition_s: float = 0.0
    loudness_lufs: float = -14.0
    true_peak_db: float = -1.0
    burn_captions: bool = True
    captions: bool = True


@dataclass(frozen=True)
class SegmentSpan:
    """Where a segment sits in the reel, and where its voice is heard (seconds)."""

    index: int
    start_s: float
    end_s: float
    voice_start_s: float | None = None
    voice_end_s: float | None = None


@dataclass(frozen=True)
class ReelResult:
    """What was written: the reel and its caption files, with the timing of each segment."""

    path: Path
    duration_s: float
    spans: tuple[SegmentSpan, ...]
    captions: tuple[Path, ...] = ()
    """``reel.srt`` and ``reel.vtt`` when captions were made."""
    narrated_segments: tuple[int, ...] = ()
    cards: tuple[int, ...] = ()
    """Segments shown as a title card (no clip)."""
    extra: dict[str, float] = field(default_factory=dict)
