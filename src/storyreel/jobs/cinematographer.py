"""The Cinematographer: films a story, one clip per segment concurrently, and the thumbnail."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from storyreel.domain.story import Story, Usage
from storyreel.jobs.filming import Filming
from storyreel.jobs.journal import MemoryJournal, ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.manifest import (
    STORY_FILENAME,
    Manifest,
    build_manifest,
    write_manifest,
    write_story,
)
from storyreel.jobs.models import THUMBNAIL_STEP, StepKind, StepRecord, StepStatus, clip_step_key
from storyreel.jobs.ports import ClipMaker
from storyreel.settings import Settings

__all__ = ["Cinematographer", "ClipMaker", "planned_steps"]


def planned_steps(story: Story) -> list[StepRecord]:
    """The steps that film ``story``: one clip per segment, then the thumbnail."""
    clips = [
        StepRecord(key=clip_step_key(s.index), kind=StepKind.CLIP, index=s.index)
        for s in story.segments
    ]
    return [*clips, StepRecord(key=THUMBNAIL_STEP, kind=StepKind.THUMBNAIL)]


class Cinematographer:
    """Films a story: every segment's clip concurrently (at most ``video.concurrency`` at
    once), the thumbnail alongside, then a manifest. A failed segment never stops the others.

    The steps go to a journal (a job's store when run as a job): a submitted operation is
    recorded before it is polled, so a later run re-polls it instead of paying again.
    """

    def __init__(self, media: ClipMaker, settings: Settings) -> None:
        self._media = media
        self._settings = settings

    async def generate_full_content_videos(
        self,
        story: Story,
        out_dir: Path,
        *,
        journal: StepJournal | None = None,
        progress: ProgressCallback | None = None,
        job_id: str | None = None,
        usage: Usage | None = None,
        reasons: Sequence[str] = (),
    ) -> Manifest:
        """Film ``story`` outside a job: write ``out_dir/story.json``, make what ``journal``
        says is still missing, and write ``out_dir/manifest.json``.

        Clips go to ``out_dir/clips/segment-NN.mp4``, the thumbnail to
        ``out_dir/thumbnail.png``. Cancelling the call stops polling; operations already
        submitted stay recorded as ``submitted`` for a later run to collect.
        """
        journal = journal if journal is not None else MemoryJournal()
        if not (out_dir / STORY_FILENAME).exists():
            write_story(out_dir, story)
        await self.film(story, out_dir, journal=journal, progress=progress)
        manifest = build_manifest(
            job_id=job_id,
            story=story,
            steps=journal.steps(),
            settings=self._settings,
            usage=usage,
            reasons=reasons,
        )
        write_manifest(out_dir, manifest)
        return manifest

    async def film(
        self,
        story: Story,
        out_dir: Path,
        *,
        journal: StepJournal,
        progress: ProgressCallback | None = None,
    ) -> None:
        """Make what ``journal`` says is still missing: every clip and the thumbnail. The
        story and manifest files are the caller's (the job layer writes each once)."""
        journal.add(planned_steps(story))
        limit = asyncio.Semaphore(self._settings.video.concurrency)
        # Operations already submitted go first, so that they take the first slots.
        order = sorted(story.segments, key=lambda s: _rank(journal.get(clip_step_key(s.index))))
        shots = Filming(self._media, self._settings, story, out_dir, journal, progress or _ignore)
        await _all_or_none([*(shots.clip(segment, limit) for segment in order), shots.thumbnail()])


async def _all_or_none(work: list[Coroutine[Any, Any, None]]) -> None:
    """Run ``work`` concurrently; if one fails unexpectedly (the store is unwritable...),
    stop the others before the error goes up, so that nothing submits after the job ends.
    A paid submit in flight still finishes and records its outcome (see Filming._send)."""
    tasks = [asyncio.ensure_future(item) for item in work]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _rank(step: StepRecord | None) -> int:
    return 0 if step is not None and step.status is StepStatus.SUBMITTED else 1


def _ignore(event: ProgressEvent) -> None:
    """A progress callback that shows nothing."""
