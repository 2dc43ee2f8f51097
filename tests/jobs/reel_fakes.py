"""Recording fakes of the voice and of the reel assembler, for the job layer's reel tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from storyreel.domain.reel import SPEECH_SAMPLE_RATE, ReelPlan, ReelResult, SegmentSpan, Speech
from storyreel.errors import InputError

from .fakes import FAKE_MP4

# What the fake voice makes of each word: 0.4 s of a 16-bit tone-like pattern.
WORD_S = 0.4


def speech_for(text: str) -> Speech:
    samples = int(len(text.split()) * WORD_S * SPEECH_SAMPLE_RATE)
    pattern = bytes([0x00, 0x20, 0x00, 0xE0])  # +8192, -8192: audible, not silence
    return Speech(pcm=(pattern * (samples // 2 + 1))[: samples * 2])


class FakeVoice:
    """The voice service: records each narration it is asked to read; ``errors[label]`` is
    a queue of exceptions raised by the next calls for that label ("narration 02");
    ``before_speak(label)`` runs before each call (to stop a run at a chosen moment)."""

    def __init__(self, *, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.calls: list[tuple[str, str]] = []
        self.errors: dict[str, list[BaseException]] = {}
        self.before_speak: Callable[[str], None] | None = None

    async def speak(self, text: str, *, label: str) -> Speech:
        self.calls.append((label, text))
        if self.before_speak is not None:
            self.before_speak(label)
        await asyncio.sleep(self.latency_s)
        errors = self.errors.get(label)
        if errors:
            raise errors.pop(0)
        return speech_for(text)

    def labels(self) -> list[str]:
        return sorted(label for label, _ in self.calls)


class FakeAssembler:
    """The reel assembler: records each plan, writes a small MP4 and caption files where a
    real one would, and checks music the way the real one promises (missing or not audio:
    InputError). ``errors`` is a queue of exceptions raised by the next assemblies."""

    def __init__(self) -> None:
        self.plans: list[tuple[ReelPlan, Path]] = []
        self.music_checks: list[Path] = []
        self.errors: list[BaseException] = []

    def assemble(self, plan: ReelPlan, dest: Path) -> ReelResult:
        self.plans.append((plan, dest))
        if self.errors:
            raise self.errors.pop(0)
        if plan.music is not None:
            self.check_music(plan.music)
        dest.write_bytes(FAKE_MP4)
        captions: tuple[Path, ...] = ()
        if plan.captions:
            captions = (dest.with_suffix(".srt"), dest.with_suffix(".vtt"))
            for path in captions:
                path.write_text("captions\n", encoding="utf-8")
        spans, start = [], 0.0
        for segment in plan.segments:
            spans.append(SegmentSpan(segment.index, start, start + segment.duration_s))
            start += segment.duration_s
        return ReelResult(
            path=dest,
            duration_s=start,
            spans=tuple(spans),
            captions=captions,
            narrated_segments=tuple(s.index for s in plan.segments if s.voice is not None),
            cards=tuple(s.index for s in plan.segments if s.clip is None),
        )

    def check_music(self, path: Path) -> float:
        self.music_checks.append(path)
        try:
            head = path.read_bytes()[:12]
        except OSError:
            raise InputError(f"music file {path} does not exist: give an audio file") from None
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise InputError(f"music file {path} is not audio: give an audio file")
        return 1.0

    def last_plan(self) -> ReelPlan:
        assert self.plans, "nothing was assembled"
        return self.plans[-1][0]
