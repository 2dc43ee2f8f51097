"""The Cinematographer: one clip per segment, concurrently, a thumbnail, and the manifest."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dependency_injector.wiring import Provide, inject

from storyreel.controllers.filming import ClipMaker, Filming
from storyreel.jobs.journal import MemoryJournal, ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.manifest import (
    STORY_FILENAME,
    Manifest,
    build_manifest,
    write_manifest,
    write_story,
)
from storyreel.jobs.models import THUMBNAIL_STEP, StepKind, StepRecord, StepStatus, clip_step_key
from storyreel.services.story import Character, Story, Usage
from storyreel.settings import Settings

if TYPE_CHECKING:
    from storyreel.jobs.runner import JobRunner

__all__ = [
    "Cinematographer",
    "ClipMaker",
    "film_story",
    "make_video",
    "planned_steps",
    "resume_job",
]


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
        """Make what ``journal`` says is still missing and write ``out_dir/manifest.json``.

        Clips go to ``out_dir/clips/segment-NN.mp4``, the thumbnail to
        ``out_dir/thumbnail.png``. Cancelling the call stops polling; operations already
        submitted stay recorded as ``submitted`` for a later run to collect.
        """
        journal = journal if journal is not None else MemoryJournal()
        report = progress or _ignore
        if not (out_dir / STORY_FILENAME).exists():
            write_story(out_dir, story)
        journal.add(planned_steps(story))
        limit = asyncio.Semaphore(self._settings.video.concurrency)
        # Operations already submitted go first, so that they take the first slots.
        order = sorted(story.segments, key=lambda s: _rank(journal.get(clip_step_key(s.index))))
        shots = Filming(self._media, self._settings, story, out_dir, journal, report)
        await _all_or_none([*(shots.clip(segment, limit) for segment in order), shots.thumbnail()])
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


# Entry points for host applications: the container supplies the runner.


@inject
async def make_video(
    idea: str,
    *,
    segments: int | None = None,
    style: str | None = None,
    characters: Sequence[Character] = (),
    out_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    runner: JobRunner = Provide["job_runner"],
) -> Manifest:
    """Idea → story → clips → thumbnail, as a durable job; returns the manifest."""
    job = runner.create(
        idea, segments=segments, style=style, characters=characters, out_dir=out_dir
    )
    return await runner.run(job.id, progress=progress)


@inject
async def film_story(
    story: Story,
    *,
    out_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    runner: JobRunner = Provide["job_runner"],
) -> Manifest:
    """Film a ready story as a durable job; returns the manifest."""
    job = runner.create_from_story(story, out_dir=out_dir)
    return await runner.run(job.id, progress=progress)


@inject
async def resume_job(
    job_id: str,
    *,
    progress: ProgressCallback | None = None,
    runner: JobRunner = Provide["job_runner"],
) -> Manifest:
    """Finish a job: re-poll what was submitted, run what never started."""
    return await runner.resume(job_id, progress=progress)
