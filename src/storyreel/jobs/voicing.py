"""The voice steps: each segment's narration read aloud once, saved, and journaled."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from storyreel.domain.story import Segment, Story
from storyreel.errors import StoryreelError
from storyreel.files import write_atomic
from storyreel.jobs.journal import ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.models import StepKind, StepRecord, StepStatus
from storyreel.jobs.ports import Voice
from storyreel.jobs.prices import narrated
from storyreel.jobs.reel_manifest import voice_path, voice_step_key
from storyreel.logs import redact

logger = logging.getLogger(__name__)


def voice_steps(story: Story) -> list[StepRecord]:
    """One voice step per segment that has a narration (an empty one is not read)."""
    return [
        StepRecord(key=voice_step_key(s.index), kind=StepKind.VOICE, index=s.index)
        for s in narrated(story.segments)
    ]


class Voicing:
    """Reads narrations aloud for one run: each a billed call, so a narration already saved
    is never requested again; at most ``limit`` calls at once."""

    def __init__(
        self,
        voice: Voice,
        out_dir: Path,
        journal: StepJournal,
        report: ProgressCallback,
        limit: asyncio.Semaphore,
    ) -> None:
        self._voice = voice
        self._out_dir = out_dir
        self._journal = journal
        self._report = report
        self._limit = limit

    async def segment(self, segment: Segment) -> None:
        """Read ``segment``'s narration into ``audio/segment-NN.wav``, unless its step is
        already done (or was never planned: narration off, nothing to read)."""
        key, index = voice_step_key(segment.index), segment.index
        step = self._journal.get(key)
        if step is None:
            return
        if step.status is StepStatus.SUCCEEDED:
            self._report(ProgressEvent(key, "skipped", index, detail="already read"))
            return
        async with self._limit:
            if self._journal.cancelled():
                return
            # Saved before the call, as for the thumbnail: the attempt is on record.
            step = step.but(status=StepStatus.PENDING, attempts=step.attempts + 1, error=None)
            self._journal.save(step)
            self._report(ProgressEvent(key, "speaking", index))
            await self._speak(step, segment)

    async def _speak(self, step: StepRecord, segment: Segment) -> None:
        path = voice_path(segment.index)
        try:
            speech = await self._voice.speak(
                segment.narration.strip(), label=f"narration {segment.index:02d}"
            )
            await asyncio.to_thread(write_atomic, self._out_dir / path, speech.to_wav())
        except (StoryreelError, OSError) as exc:
            self._record(step.but(status=StepStatus.FAILED, error=redact(str(exc))), "failed")
        except Exception as exc:
            logger.exception("segment %02d: unexpected error while reading", segment.index)
            error = redact(f"{type(exc).__name__}: {exc}")
            self._record(step.but(status=StepStatus.FAILED, error=error), "failed")
        else:
            detail = f"{speech.duration_s:.1f} s"
            done = step.but(status=StepStatus.SUCCEEDED, artifact=path, error=None)
            self._record(done, "done", detail)

    def _record(self, step: StepRecord, phase: str, detail: str = "") -> None:
        self._journal.save(step)
        self._report(ProgressEvent(step.key, phase, step.index, detail=detail or step.error or ""))


__all__ = ["Voicing", "voice_steps"]
