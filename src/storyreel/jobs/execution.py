"""One run of one claimed job: its story, its filming, the watch for a cancel, and its end."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Protocol

from storyreel.domain.limits import DEFAULT_SEGMENTS
from storyreel.domain.story import Character, Story, Usage
from storyreel.errors import JobError, StoryreelError
from storyreel.jobs.choices import choices_of
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.costs import story_cost
from storyreel.jobs.finish import finish_job
from storyreel.jobs.journal import ProgressCallback, ProgressEvent, StoreJournal
from storyreel.jobs.manifest import STORY_FILENAME, Manifest, write_story
from storyreel.jobs.models import (
    STORY_STEP,
    JobRecord,
    JobStatus,
    StepKind,
    StepRecord,
    StepStatus,
)
from storyreel.jobs.reel_manifest import ReelEntry, previous_reel
from storyreel.jobs.store import STORE_UNREACHABLE, JobStore, Lease, LeaseLost
from storyreel.logs import job_context
from storyreel.services.openrouter.models import WrittenStory
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

INTERRUPTED_REASON = "interrupted; resume the job to finish it"

# What a run does with the job it holds (the whole pipeline, or one piece of work such as
# a reshoot), given the job, the progress callback and the lease to write under.
Work = Callable[[JobRecord, ProgressCallback, Lease], Awaitable[Manifest]]


class StoryWriter(Protocol):
    """What a job needs of the Screenwriter."""

    async def build_story(
        self,
        idea: str,
        *,
        segments: int = DEFAULT_SEGMENTS,
        style: str | None = None,
        characters: Iterable[Character] | None = None,
        duration_seconds: int | None = None,
    ) -> Story: ...


class Execution:
    """Runs a job that this process has claimed, to its end or until it is cancelled."""

    def __init__(
        self,
        store: JobStore,
        writer: StoryWriter,
        cinematographer: Cinematographer,
        settings: Settings,
        *,
        watch_interval_s: float,
        heartbeat_s: float,
        lease_s: float,
    ) -> None:
        self._store = store
        self._writer = writer
        self._cinematographer = cinematographer
        self._settings = settings
        self._watch_interval_s = watch_interval_s
        self._heartbeat_s = heartbeat_s
        self._lease_s = lease_s

    async def run(
        self, job: JobRecord, report: ProgressCallback | None = None, *, work: Work | None = None
    ) -> Manifest:
        """The job's manifest; ``report`` sees its progress. A cancel request ends it as
        "cancelled"; cancelling the calling task puts the job back in the queue (resumable)
        and re-raises. One Execution may run many jobs, one after another or at once.
        ``work`` replaces the whole pipeline (story, filming, reel) with one piece of it."""
        report = report or _ignore
        lease = Lease(job.id, job.owner or "", job.fence, self._lease_s)
        lost: list[LeaseLost] = []
        with job_context(job.id):
            pipeline = asyncio.ensure_future((work or self._pipeline)(job, report, lease))
            watcher = asyncio.ensure_future(self._watch(lease, pipeline, lost))
        try:
            return await pipeline
        except LeaseLost as exc:
            # Another process holds the job now: this one writes nothing more, not even
            # the job's end, and says so.
            logger.warning("%s", exc)
            raise
        except STORE_UNREACHABLE as exc:
            # The store is out of reach for now: an outage is no outcome of the job, so it
            # is not ended (a failure recorded once the store is back would stand for good).
            # It stays running under a lease nobody renews; once that runs out, a worker's
            # lease rescan, the next server start or `storyreel resume` continues it.
            logger.warning("job %s stopped: %s", job.id, exc)
            raise
        except asyncio.CancelledError:
            if lost:
                logger.warning("%s", lost[0])
                raise lost[0] from None
            me = asyncio.current_task()
            if self._store.get(job.id).cancel_requested and (me is None or not me.cancelling()):
                return self._finish(lease, ["cancelled"])
            self._interrupted(lease)
            raise
        except BaseException as exc:
            self._finish(lease, [str(exc) or type(exc).__name__])
            raise
        finally:
            watcher.cancel()

    def _interrupted(self, lease: Lease) -> None:
        # An interruption is not an outcome: the job goes back to the queue, where `resume`
        # (or the next server start, once this process is gone) finishes it.
        with contextlib.suppress(LeaseLost):
            self._store.update(
                lease.job_id, lease=lease, status=JobStatus.QUEUED, reasons=[INTERRUPTED_REASON]
            )

    def _finish(
        self, lease: Lease, reasons: Sequence[str], reel: ReelEntry | None = None
    ) -> Manifest:
        return finish_job(
            self._store, self._settings, lease.job_id, reasons, lease=lease, reel=reel
        )

    async def _pipeline(self, job: JobRecord, report: ProgressCallback, lease: Lease) -> Manifest:
        story = await self._story(job, report, lease)
        if story is None:
            return self._finish(lease, [])
        out_dir = Path(job.out_dir)
        try:
            write_story(out_dir, story)
        except OSError as exc:
            raise JobError(f"cannot write {out_dir / STORY_FILENAME}: {exc}") from None
        journal = StoreJournal(self._store, job.id, lease)
        choices = choices_of(job.input.reel, self._settings)
        await self._cinematographer.film(
            story, out_dir, journal=journal, progress=report, choices=choices
        )
        reel = await self._cinematographer.assemble(
            story,
            out_dir,
            journal=journal,
            progress=report,
            choices=choices,
            previous=previous_reel(job.manifest),
            job_id=job.id,
        )
        # Steps that saw a cancel request stopped quietly; the job says why it is unfinished.
        cancelled = self._store.get(job.id).cancel_requested
        return self._finish(lease, ["cancelled"] if cancelled else [], reel)

    async def _story(self, job: JobRecord, report: ProgressCallback, lease: Lease) -> Story | None:
        """The job's story: the saved one, or a new one from the writer (then saved)."""
        steps = {step.key: step for step in self._store.steps(job.id)}
        step = steps.get(STORY_STEP) or StepRecord(key=STORY_STEP, kind=StepKind.STORY)
        if job.story is not None:
            report(ProgressEvent(STORY_STEP, "skipped", detail=job.story.title))
            return job.story
        step = step.but(status=StepStatus.PENDING, attempts=step.attempts + 1, error=None)
        self._store.save_step(job.id, step, lease=lease)
        report(ProgressEvent(STORY_STEP, "writing"))
        spec = job.input
        try:
            written = await self._writer.build_story(
                spec.idea or "",
                segments=spec.segments or DEFAULT_SEGMENTS,
                style=spec.style,
                characters=spec.characters or None,
                duration_seconds=spec.duration_seconds,
            )
        except StoryreelError as exc:
            failed = step.but(status=StepStatus.FAILED, error=str(exc))
            self._store.save_step(job.id, failed, lease=lease)
            report(ProgressEvent(STORY_STEP, "failed", detail=str(exc)))
            return None
        usage = written.usage if isinstance(written, WrittenStory) else Usage()
        story = written.to_story()
        # The story is saved in one transaction: from here on a resume never rewrites it.
        self._store.update(
            job.id,
            lease=lease,
            story=story,
            usage=job.usage + usage,
            estimated_cost_usd=story_cost(
                self._settings, story, choices_of(spec.reel, self._settings)
            ).usd,
        )
        done = step.but(status=StepStatus.SUCCEEDED, artifact=STORY_FILENAME)
        self._store.save_step(job.id, done, lease=lease)
        report(ProgressEvent(STORY_STEP, "done", detail=story.title))
        return story

    async def _watch(
        self, lease: Lease, pipeline: asyncio.Future[Manifest], lost: list[LeaseLost]
    ) -> None:
        """Stop the pipeline when a cancel is requested or the lease is lost; renew it."""
        last_beat = time.monotonic()
        while not pipeline.done():
            await asyncio.sleep(self._watch_interval_s)
            try:
                if self._store.get(lease.job_id).cancel_requested:
                    pipeline.cancel()
                    return
                if time.monotonic() - last_beat >= self._heartbeat_s:
                    self._store.renew(lease)
                    last_beat = time.monotonic()
            except LeaseLost as exc:
                lost.append(exc)
                pipeline.cancel()
                return
            except StoryreelError as exc:
                logger.warning("job %s: cannot check for a cancel request: %s", lease.job_id, exc)


def _ignore(event: ProgressEvent) -> None:
    """A progress callback that shows nothing."""
