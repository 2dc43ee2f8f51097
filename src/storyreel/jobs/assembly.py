"""The assemble step: a reel planned from what the job made, rendered by the assembler."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storyreel.domain.reel import ReelPlan, ReelSegment
from storyreel.domain.story import Story
from storyreel.errors import InputError, StoryreelError
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.journal import ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.models import StepKind, StepRecord, StepStatus, clip_step_key
from storyreel.jobs.ports import ReelAssembler
from storyreel.jobs.reel_manifest import ASSEMBLE_STEP, REEL_FILENAME, ReelEntry, voice_step_key
from storyreel.logs import redact
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

CAPTION_SUFFIXES = (".srt", ".vtt")

# The picture size of a reel, by aspect ratio and resolution (Veo's output sizes).
_SIZES = {
    ("9:16", "720p"): (720, 1280),
    ("9:16", "1080p"): (1080, 1920),
    ("16:9", "720p"): (1280, 720),
    ("16:9", "1080p"): (1920, 1080),
}


class ReelNotReady(InputError):
    """The job lacks what its reel needs (a clip, a narration): the message says which."""


@dataclass(frozen=True)
class ReelOptions:
    """One assembly's own choices over the job's and the settings': other music, captions
    off, another crossfade, gaps allowed. None keeps what the job or the settings say."""

    music: Path | None = None
    captions: bool | None = None
    transition_s: float | None = None
    allow_gaps: bool | None = None


def plan_reel(
    story: Story,
    steps: Sequence[StepRecord],
    folder: Path,
    settings: Settings,
    choices: ReelChoices,
    options: ReelOptions | None = None,
    *,
    job_id: str | None = None,
) -> ReelPlan:
    """The reel of what ``steps`` say was made, in segment order; :class:`ReelNotReady`
    when a clip or a planned narration is missing and gaps are not allowed."""
    options = options or ReelOptions()
    made = {s.key: s for s in steps if s.status is StepStatus.SUCCEEDED and _local(s)}
    planned = {s.key for s in steps}
    no_clip, no_voice, segments = [], [], []
    for segment in story.segments:
        clip = made.get(clip_step_key(segment.index))
        voice_key = voice_step_key(segment.index)
        voice = made.get(voice_key)
        if clip is None:
            no_clip.append(segment.index)
        if voice is None and voice_key in planned:
            no_voice.append(segment.index)
        segments.append(
            ReelSegment(
                index=segment.index,
                narration=segment.narration.strip(),
                duration_s=float(segment.duration_seconds),
                clip=folder / str(clip.artifact) if clip else None,
                voice=folder / str(voice.artifact) if voice else None,
            )
        )
    gaps = choices.allow_gaps if options.allow_gaps is None else options.allow_gaps
    if len(no_clip) == len(story.segments):
        raise ReelNotReady("no segment has a clip yet, so there is no reel to assemble")
    if (no_clip or no_voice) and not gaps:
        raise ReelNotReady(_not_ready(no_clip, no_voice, job_id))
    captions = settings.reel.burn_captions if options.captions is None else options.captions
    width, height = _SIZES[(settings.video.aspect_ratio, settings.video.resolution)]
    return ReelPlan(
        segments=tuple(segments),
        width=width,
        height=height,
        music=options.music or choices.music_path,
        music_volume_db=settings.reel.music_volume_db,
        transition_s=(
            settings.reel.transition_s if options.transition_s is None else options.transition_s
        ),
        loudness_lufs=settings.reel.loudness_lufs,
        true_peak_db=settings.reel.true_peak_db,
        burn_captions=captions,
        captions=options.captions is not False,
    )


def same_reel(entry: ReelEntry, plan: ReelPlan) -> bool:
    """Whether ``entry`` was assembled from the same material ``plan`` would use: the same
    segments shown as cards and the same ones narrated."""
    cards = [s.index for s in plan.segments if s.clip is None]
    voiced = [s.index for s in plan.segments if s.voice is not None]
    return entry.cards == cards and entry.narrated_segments == voiced


async def assemble_step(
    assembler: ReelAssembler,
    plan: ReelPlan,
    folder: Path,
    journal: StepJournal,
    report: ProgressCallback,
) -> ReelEntry | None:
    """Render ``plan`` into ``folder/reel.mp4`` in a worker thread and record the step; the
    reel's manifest entry, or None when the assembler failed (the step says why)."""
    step = journal.get(ASSEMBLE_STEP) or StepRecord(key=ASSEMBLE_STEP, kind=StepKind.ASSEMBLE)
    step = step.but(status=StepStatus.PENDING, attempts=step.attempts + 1, error=None)
    journal.save(step)
    report(ProgressEvent(step.key, "assembling"))
    try:
        result = await asyncio.to_thread(assembler.assemble, plan, folder / REEL_FILENAME)
    except (StoryreelError, OSError) as exc:
        record_failure(journal, report, step, str(exc))
        return None
    except Exception as exc:
        logger.exception("unexpected error while assembling the reel")
        record_failure(journal, report, step, f"{type(exc).__name__}: {exc}")
        return None
    entry = ReelEntry.of(result, folder)
    _drop_stale_captions(result.path, result.captions)
    journal.save(step.but(status=StepStatus.SUCCEEDED, artifact=entry.path, error=None))
    report(ProgressEvent(step.key, "done", detail=f"{entry.path} ({entry.duration_seconds:.1f} s)"))
    return entry


def record_failure(
    journal: StepJournal, report: ProgressCallback, step: StepRecord, error: str
) -> None:
    """Record why the reel was not (re)made."""
    failed = step.but(status=StepStatus.FAILED, error=redact(error))
    journal.save(failed)
    report(ProgressEvent(step.key, "failed", detail=failed.error or ""))


def _drop_stale_captions(reel: Path, kept: Sequence[Path]) -> None:
    # Captions of an earlier assembly would no longer match the reel (or were turned off).
    for suffix in CAPTION_SUFFIXES:
        path = reel.with_suffix(suffix)
        if path not in kept:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _local(step: StepRecord) -> bool:
    # A clip kept in Cloud Storage (gs://...) is not in the folder to assemble from.
    return bool(step.artifact) and "://" not in str(step.artifact)


def _not_ready(no_clip: list[int], no_voice: list[int], job_id: str | None) -> str:
    job = job_id or "JOB_ID"
    parts = []
    if no_clip:
        parts.append(f"no clip for {_segments(no_clip)}")
    if no_voice:
        parts.append(f"no narration audio for {_segments(no_voice)}")
    fix = f"reshoot (`storyreel reshoot {job} --segment N`) or resume the job"
    return f"the reel needs every segment: {'; '.join(parts)}. {fix}, or allow gaps (--allow-gaps)"


def _segments(indices: list[int]) -> str:
    numbers = ", ".join(str(index) for index in indices)
    return f"segment {numbers}" if len(indices) == 1 else f"segments {numbers}"


__all__ = [
    "ReelNotReady",
    "ReelOptions",
    "assemble_step",
    "plan_reel",
    "record_failure",
    "same_reel",
]
