"""The reel's part of a job: its step keys and files, and its entries in the manifest."""

from __future__ import annotations

import contextlib
import wave
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from storyreel.domain.reel import ReelResult
from storyreel.jobs.models import StepKind, StepRecord, StepStatus

ASSEMBLE_STEP = "assemble"
REEL_FILENAME = "reel.mp4"


def voice_step_key(index: int) -> str:
    return f"voice-{index:02d}"


def voice_path(index: int) -> str:
    """A narration's path relative to the job folder (the output contract)."""
    return f"audio/segment-{index:02d}.wav"


class AudioEntry(BaseModel):
    """One segment's narration audio, once it exists."""

    model_config = ConfigDict(extra="forbid")

    index: int
    path: str
    duration_seconds: float


class ReelEntry(BaseModel):
    """The assembled reel: its file, its length, its caption files (paths relative to the
    job folder), the segments that are narrated and those shown as title cards."""

    model_config = ConfigDict(extra="forbid")

    path: str = REEL_FILENAME
    duration_seconds: float
    captions: list[str] = Field(default_factory=list)
    narrated_segments: list[int] = Field(default_factory=list)
    cards: list[int] = Field(default_factory=list)

    @classmethod
    def of(cls, result: ReelResult, folder: Path) -> ReelEntry:
        """The entry of what the assembler wrote into the job ``folder``."""
        return cls(
            path=_relative(result.path, folder),
            duration_seconds=round(result.duration_s, 3),
            captions=[_relative(path, folder) for path in result.captions],
            narrated_segments=sorted(result.narrated_segments),
            cards=sorted(result.cards),
        )


def previous_reel(manifest: Mapping[str, Any] | None) -> ReelEntry | None:
    """The reel entry of a job's last manifest (``None`` before it had one)."""
    entry = (manifest or {}).get("reel")
    if not entry:
        return None
    with contextlib.suppress(ValidationError):
        return ReelEntry.model_validate(entry)
    return None


def audio_entries(folder: Path | None, steps: Iterable[StepRecord]) -> list[AudioEntry]:
    """One entry per finished narration, in segment order, with its length read from the
    WAV file's header (a file that cannot be read is left out)."""
    entries = []
    for step in steps:
        if step.kind is not StepKind.VOICE or step.status is not StepStatus.SUCCEEDED:
            continue
        if step.index is None or not step.artifact or folder is None:
            continue
        seconds = wav_seconds(folder / step.artifact)
        if seconds is not None:
            entries.append(
                AudioEntry(index=step.index, path=step.artifact, duration_seconds=seconds)
            )
    return sorted(entries, key=lambda entry: entry.index)


def wav_seconds(path: Path) -> float | None:
    """The length of a WAV file, from its header; None when it cannot be read."""
    try:
        with wave.open(str(path), "rb") as wav:
            return round(wav.getnframes() / wav.getframerate(), 3)
    except (OSError, EOFError, wave.Error, ZeroDivisionError):
        return None


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = [
    "ASSEMBLE_STEP",
    "REEL_FILENAME",
    "AudioEntry",
    "ReelEntry",
    "audio_entries",
    "previous_reel",
    "voice_path",
    "voice_step_key",
    "wav_seconds",
]
