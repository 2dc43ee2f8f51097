"""JobRunner: create, run, resume, cancel and inspect jobs (the API of the job layer)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from storyreel.domain.limits import DEFAULT_SEGMENTS
from storyreel.domain.story import Character, Story
from storyreel.errors import JobError
from storyreel.jobs.artifacts import recheck_artifacts
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.costs import CostEstimate, remaining_cost
from storyreel.jobs.execution import Execution, StoryWriter
from storyreel.jobs.finish import finish_job
from storyreel.jobs.folders import prepare_out_dir
from storyreel.jobs.inputs import idea_input, story_input
from storyreel.jobs.journal import ProgressCallback
from storyreel.jobs.manifest import STORY_FILENAME, Manifest
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
from storyreel.jobs.resuming import NothingToResume, requeue
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

# CostEstimate, prepare_out_dir and DEFAULT_SEGMENTS are re-exported for older importers.
__all__ = ["DEFAULT_SEGMENTS", "CostEstimate", "JobRunner", "StoryWriter", "prepare_out_dir"]


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
        self._settings = settings
        self._owner = owner or this_process()
        self._stale_after_s = stale_after_s
        self._cinematographer = cinematographer
        self._execution = Execution(
            store,
            screenwriter,
            cinematographer,
            settings,
            watch_interval_s=watch_interval_s,
            heartbeat_s=heartbeat_s,
            lease_s=stale_after_s,
        )

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
        approve: Callable[[CostEstimate], None] | None = None,
        reel: ReelChoices | None = None,
    ) -> JobRecord:
        """A ``queued`` job that will write a story from ``idea`` and film it. Every input is
        checked here (InputError); then ``approve``, when given, sees the cost estimate and
        may raise to stop before the job exists. ``reel`` (narration, reel, music, gaps)
        defaults to the settings'."""
        spec, cost = idea_input(
            self._settings,
            idea,
            segments=segments,
            style=style,
            characters=characters,
            duration_seconds=duration_seconds,
            reel=self._cinematographer.job_choices(reel),
        )
        if approve is not None:
            approve(cost)
        return self._create(spec, None, out_dir, cost)

    def create_from_story(
        self,
        story: Story,
        *,
        out_dir: Path | None = None,
        reel: ReelChoices | None = None,
        approve: Callable[[CostEstimate], None] | None = None,
    ) -> JobRecord:
        """A ``queued`` job that films a ready story (its story step is already done)."""
        spec, cost = story_input(self._settings, story, self._cinematographer.job_choices(reel))
        if approve is not None:
            approve(cost)
        return self._create(spec, spec.story, out_dir, cost)

    def _create(
        self, spec: JobInput, story: Story | None, out_dir: Path | None, cost: CostEstimate
    ) -> JobRecord:
        job_id = new_job_id()
        # A folder the caller named is made one level deep; the default one with its parents.
        folder = out_dir or self._settings.output_dir / job_id
        folder = prepare_out_dir(folder, job_id, parents=out_dir is None)
        story_step = StepRecord(key=STORY_STEP, kind=StepKind.STORY)
        if story is not None:
            story_step = story_step.but(status=StepStatus.SUCCEEDED, artifact=STORY_FILENAME)
        job = JobRecord(
            id=job_id,
            input=spec,
            out_dir=str(folder),
            owner=self._owner,
            story=story,
            estimated_cost_usd=cost.usd,
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

    def remaining_cost(self, job_id: str) -> CostEstimate:
        """The cost of what resuming the job would still submit."""
        return remaining_cost(self._store.get(job_id), self._store.steps(job_id), self._settings)

    def check_resumable(self, job_id: str, *, running_here: bool = False) -> JobRecord:
        """The job, if resuming it now would do something; else a JobError saying why: it is
        running (in a live process, or here: ``running_here``, for a host running jobs as
        tasks) or has already succeeded. An unknown job is a JobError too."""
        job = self._store.get(job_id)
        if running_here or self._running_live(job):
            where = "this process" if running_here else f"process {job.owner}"
            raise JobError(f"job {job_id} is running in {where}; wait for it or cancel it")
        if recheck_artifacts(self._store, job_id):
            job = self._store.get(job_id)
        if job.status is JobStatus.SUCCEEDED:
            raise NothingToResume(job_id)
        return job

    def requeue(self, job_id: str, *, running_here: bool = False) -> JobRecord:
        """The job back in the queue under this runner's owner, if resuming it would do
        something (else as :meth:`check_resumable`): a server answers a resume with it."""
        job = self.check_resumable(job_id, running_here=running_here)
        return requeue(self._store, job, self._owner, lease_s=self._stale_after_s)

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
        what may not have reached Google. Clears an earlier cancel request. A job that has
        succeeded only gets its manifest rewritten; a running one is a JobError."""
        job = self._store.get(job_id)
        whole = job.status is JobStatus.SUCCEEDED and not self._running_live(job)
        if whole and not recheck_artifacts(self._store, job_id):
            return self._finish(job_id, [])
        job = self.check_resumable(job_id)
        if job.cancel_requested:
            job = self._store.update(job_id, cancel_requested=False)
        return await self._execute(job, progress)

    def cancel(self, job_id: str) -> JobRecord:
        """Stop a job: no new submissions; operations already submitted stay recorded for a
        later resume to collect. The job ends ``cancelled`` (at once when no live process runs
        it) unless it was already complete; a resume continues it."""
        job = self._store.get(job_id)
        if job.final:
            return job
        job = self._store.update(job_id, cancel_requested=True)
        if self._running_live(job):
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
        return await self._execution.run(claimed, progress)

    def _finish(self, job_id: str, reasons: Sequence[str]) -> Manifest:
        return finish_job(self._store, self._settings, job_id, reasons)

    def _running_live(self, job: JobRecord) -> bool:
        """Whether a process that is still alive runs the job."""
        alive = job.owner_alive(stale_after_s=self._stale_after_s)
        return job.status is JobStatus.RUNNING and alive
