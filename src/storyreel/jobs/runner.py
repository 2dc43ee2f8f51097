"""JobRunner: create, run, resume, cancel and inspect jobs (the API of the job layer)."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from storyreel.domain.story import MAX_SEGMENTS, VEO_DURATIONS, Character, Story
from storyreel.domain.text import MAX_STYLE_CHARS, checked_text, optional_text
from storyreel.errors import InputError, JobError
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.execution import DEFAULT_SEGMENTS, Execution, StoryWriter, finish_job
from storyreel.jobs.journal import ProgressCallback, ProgressEvent
from storyreel.jobs.manifest import MANIFEST_FILENAME, STORY_FILENAME, Manifest, estimate_cost_usd
from storyreel.jobs.models import (
    STORY_STEP,
    JobInput,
    JobRecord,
    JobStatus,
    JobView,
    StepKind,
    StepRecord,
    StepStatus,
    new_job_id,
    this_process,
)
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_SEGMENTS", "CostEstimate", "JobRunner", "StoryWriter", "prepare_out_dir"]


@dataclass(frozen=True)
class CostEstimate:
    """Seconds of video to generate and their price; ``usd`` is None when the model's
    price is not configured."""

    seconds: int
    usd: float | None
    model: str


class JobRunner:
    """Creates jobs, runs them, resumes them after a crash or Ctrl-C, and cancels them.

    One runner may serve many jobs; a job is run by one process at a time (``owner``).
    ``watch_interval_s`` is how often a running job checks for a cancel request;
    ``stale_after_s`` how old a heartbeat may be before its owner counts as gone.
    """

    def __init__(
        self,
        store: JobStore,
        screenwriter: StoryWriter,
        cinematographer: Cinematographer,
        settings: Settings,
        *,
        owner: str | None = None,
        watch_interval_s: float = 0.25,
        heartbeat_s: float = 5.0,
        stale_after_s: float = 60.0,
    ) -> None:
        self._store = store
        self._writer = screenwriter
        self._cinematographer = cinematographer
        self._settings = settings
        self._owner = owner or this_process()
        self._watch_interval_s = watch_interval_s
        self._heartbeat_s = heartbeat_s
        self._stale_after_s = stale_after_s

    # Creating (nothing runs yet).

    def create(
        self,
        idea: str,
        *,
        segments: int | None = None,
        style: str | None = None,
        characters: Sequence[Character] = (),
        duration_seconds: int | None = None,
        out_dir: Path | None = None,
    ) -> JobRecord:
        """A ``queued`` job that will write a story from ``idea`` and film it."""
        idea = checked_text(idea, "the idea")
        style = optional_text(style, "the style", MAX_STYLE_CHARS)
        count = DEFAULT_SEGMENTS if segments is None else segments
        if not 1 <= count <= MAX_SEGMENTS:
            raise InputError(f"segments must be between 1 and {MAX_SEGMENTS}, got {count}")
        duration = (
            self._settings.video.duration_seconds if duration_seconds is None else duration_seconds
        )
        if duration not in VEO_DURATIONS:
            raise InputError(f"duration_seconds must be 4, 6 or 8, got {duration}")
        spec = JobInput(
            idea=idea,
            segments=count,
            style=style,
            characters=list(characters),
            duration_seconds=duration,
        )
        return self._create(spec, None, out_dir, count * duration)

    def create_from_story(self, story: Story, *, out_dir: Path | None = None) -> JobRecord:
        """A ``queued`` job that films a ready story (its story step is already done)."""
        story = Story.model_validate(story.model_dump(exclude={"usage"}))
        return self._create(JobInput(story=story), story, out_dir, story.total_seconds)

    def _create(
        self, spec: JobInput, story: Story | None, out_dir: Path | None, seconds: int
    ) -> JobRecord:
        job_id = new_job_id()
        folder = prepare_out_dir(out_dir or self._settings.output_dir / job_id)
        story_step = StepRecord(key=STORY_STEP, kind=StepKind.STORY)
        if story is not None:
            story_step = story_step.but(status=StepStatus.SUCCEEDED, artifact=STORY_FILENAME)
        job = JobRecord(
            id=job_id,
            input=spec,
            out_dir=str(folder),
            owner=self._owner,
            story=story,
            estimated_cost_usd=estimate_cost_usd(self._settings, seconds),
        )
        self._store.create(job, [story_step])
        logger.info("job %s created in %s", job_id, folder)
        return job

    # Reading.

    def get(self, job_id: str) -> JobView:
        """A job with its steps; ``view.job.manifest`` is set once it has finished."""
        return JobView(job=self._store.get(job_id), steps=self._store.steps(job_id))

    def list_jobs(self) -> list[JobRecord]:
        """Every job of the store, newest first."""
        return self._store.list_jobs()

    def orphaned(self) -> list[JobRecord]:
        """Jobs left ``queued`` or ``running`` by a process that is gone: resume them."""
        open_jobs = self._store.list_jobs(statuses=[JobStatus.QUEUED, JobStatus.RUNNING])
        return [job for job in open_jobs if not job.owner_alive(stale_after_s=self._stale_after_s)]

    def estimate(self, *, segments: int, duration_seconds: int | None = None) -> CostEstimate:
        """The cost of filming ``segments`` clips, before a job exists."""
        seconds = segments * (duration_seconds or self._settings.video.duration_seconds)
        return self._cost(seconds)

    def remaining_cost(self, job_id: str) -> CostEstimate:
        """The cost of what resuming the job would still submit."""
        job = self._store.get(job_id)
        if job.story is None:
            count = job.input.segments or DEFAULT_SEGMENTS
            return self.estimate(segments=count, duration_seconds=job.input.duration_seconds)
        steps = {step.index: step for step in self._store.steps(job_id) if step.index}
        again = {StepStatus.PENDING} | (
            {StepStatus.UNKNOWN} if self._settings.video.resubmit_on_unknown else set()
        )
        seconds = sum(
            segment.duration_seconds
            for segment in job.story.segments
            if segment.index not in steps or steps[segment.index].status in again
        )
        return self._cost(seconds)

    def _cost(self, seconds: int) -> CostEstimate:
        model = self._settings.google.video_model
        return CostEstimate(seconds, estimate_cost_usd(self._settings, seconds), model)

    # Running.

    async def run(self, job_id: str, *, progress: ProgressCallback | None = None) -> Manifest:
        """Run a ``queued`` job to its end and return its manifest.

        Failures of single steps do not raise: the manifest says ``partial`` or ``failed``
        with the reasons. A cancelled job returns its manifest too; cancelling the calling
        task leaves the job resumable and raises CancelledError.
        """
        job = self._store.get(job_id)
        if job.status is not JobStatus.QUEUED:
            raise JobError(
                f"job {job_id} is {job.status.value}, not queued; "
                f"`storyreel resume {job_id}` continues it"
            )
        return await self._execute(job, progress)

    async def resume(self, job_id: str, *, progress: ProgressCallback | None = None) -> Manifest:
        """Finish a job: skip what succeeded, re-poll submitted operations (never submitting
        them again), submit only what never started, and (per ``video.resubmit_on_unknown``)
        what may not have reached Google. Clears an earlier cancel request."""
        job = self._store.get(job_id)
        if job.status is JobStatus.RUNNING and job.owner_alive(stale_after_s=self._stale_after_s):
            raise JobError(f"job {job_id} is running in process {job.owner}; wait or cancel it")
        if job.cancel_requested:
            job = self._store.update(job_id, cancel_requested=False)
        return await self._execute(job, progress)

    def cancel(self, job_id: str) -> JobRecord:
        """Stop a job: no new submissions; operations already submitted stay recorded for a
        later resume to collect. The job ends ``partial`` or ``failed`` with reason
        "cancelled" (at once when no live process runs it)."""
        job = self._store.get(job_id)
        if job.final:
            return job
        job = self._store.update(job_id, cancel_requested=True)
        if job.status is JobStatus.RUNNING and job.owner_alive(stale_after_s=self._stale_after_s):
            return job
        claimed = self._store.claim(
            job_id, self._owner, expected_status=job.status, expected_owner=job.owner
        )
        if claimed is not None:
            self._finish(job_id, ["cancelled"])
        return self._store.get(job_id)

    async def _execute(self, job: JobRecord, progress: ProgressCallback | None) -> Manifest:
        claimed = self._store.claim(
            job.id, self._owner, expected_status=job.status, expected_owner=job.owner
        )
        if claimed is None:
            raise JobError(f"job {job.id} was just started by another process")
        if claimed.cancel_requested:
            return self._finish(job.id, ["cancelled"])
        execution = Execution(
            self._store,
            self._writer,
            self._cinematographer,
            self._settings,
            watch_interval_s=self._watch_interval_s,
            heartbeat_s=self._heartbeat_s,
        )
        return await execution.run(claimed, progress or _ignore)

    def _finish(self, job_id: str, reasons: Sequence[str]) -> Manifest:
        return finish_job(self._store, self._settings, job_id, reasons)


def prepare_out_dir(folder: Path) -> Path:
    """Create the job folder and prove it is writable; an absolute path."""
    try:
        folder = folder.expanduser().resolve()
        if (folder / MANIFEST_FILENAME).exists():
            raise InputError(f"{folder} already holds a job ({MANIFEST_FILENAME}); choose another")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot write to the output folder {str(folder)!r}: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    return folder


def _ignore(event: ProgressEvent) -> None:
    """A progress callback that shows nothing."""
