"""Work on a job after it ran: film one segment again (a reshoot), assemble the reel again."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from storyreel.domain.limits import MAX_VIDEO_PROMPT_CHARS
from storyreel.domain.story import Segment, Story
from storyreel.domain.text import optional_text
from storyreel.errors import ConfigError, InputError, JobError
from storyreel.files import folder_trouble
from storyreel.jobs.artifacts import recheck_artifacts
from storyreel.jobs.assembly import ReelOptions, plan_reel
from storyreel.jobs.choices import choices_of
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.costs import CostEstimate, reshoot_cost
from storyreel.jobs.execution import Execution, StoryWriter, Work
from storyreel.jobs.finish import finish_job
from storyreel.jobs.frame_steps import keyframe_step_key
from storyreel.jobs.journal import ProgressCallback, StoreJournal
from storyreel.jobs.manifest import Manifest, write_story
from storyreel.jobs.models import (
    JobRecord,
    JobStatus,
    StepKind,
    StepRecord,
    StepStatus,
    clip_step_key,
    this_process,
)
from storyreel.jobs.reel_manifest import ASSEMBLE_STEP, ReelEntry
from storyreel.jobs.store import JobStore, Lease
from storyreel.settings import Settings

logger = logging.getLogger(__name__)


class ReelJobs:
    """Reshoots and re-assemblies of existing jobs, each run like a resume: the job is
    claimed (so no other process works on it meanwhile) and ends with a new manifest."""

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
        self._cinematographer = cinematographer
        self._settings = settings
        self._owner = owner or this_process()
        self._stale_after_s = stale_after_s
        self._execution = Execution(
            store,
            screenwriter,
            cinematographer,
            settings,
            watch_interval_s=watch_interval_s,
            heartbeat_s=heartbeat_s,
            lease_s=stale_after_s,
        )

    def segment(self, job_id: str, index: int) -> Segment:
        """Segment ``index`` of the job's story; a JobError when the job has no story yet,
        an InputError when it has no such segment."""
        story = self._story(self._store.get(job_id))
        if not 1 <= index <= len(story.segments):
            raise InputError(
                f"job {job_id} has no segment {index}: its segments are 1-{len(story.segments)}"
            )
        return story.segments[index - 1]

    def reshoot_cost(self, job_id: str, index: int, *, prompt: str | None = None) -> CostEstimate:
        """What filming segment ``index`` again costs: one clip, and with a new ``prompt`` in
        a job with keyframes its new keyframe."""
        drawn = any(s.key == keyframe_step_key(index) for s in self._store.steps(job_id))
        images = int(prompt is not None and drawn)
        return reshoot_cost(self._settings, self.segment(job_id, index), images=images)

    def check_reshoot(
        self, job_id: str, index: int, *, prompt: str | None = None, running_here: bool = False
    ) -> JobRecord:
        """The job, if segment ``index`` can be filmed again now (with ``prompt``): the job
        is not running (JobError), the segment exists and the prompt is usable (InputError),
        and the job folder can be written."""
        optional_text(prompt, "the prompt", MAX_VIDEO_PROMPT_CHARS)
        job = self._idle(job_id, running_here)
        self.segment(job_id, index)
        check_writable(Path(job.out_dir))
        return job

    async def reshoot(
        self,
        job_id: str,
        index: int,
        *,
        prompt: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> Manifest:
        """Film segment ``index`` again (with ``prompt`` as its new visual prompt, when
        given), counted in ``video_submissions``; then assemble the reel again."""
        job = self.check_reshoot(job_id, index, prompt=prompt)
        prompt = optional_text(prompt, "the prompt", MAX_VIDEO_PROMPT_CHARS)
        return await self._run(job, progress, self._reshoot(index, prompt))

    def check_assembly(self, job_id: str, options: ReelOptions | None = None) -> JobRecord:
        """The job, if its reel can be assembled now with ``options``: it is not running,
        its clips (and narrations) are there or gaps are allowed, the music is audio and the
        folder can be written; else a JobError or an InputError saying what to do."""
        self._idle(job_id, running_here=False)
        # Files gone from the folder are no material for a reel: their steps reopen.
        recheck_artifacts(self._store, job_id)
        job = self._store.get(job_id)
        if not self._cinematographer.assembles:
            raise ConfigError("no reel assembler is configured, so no reel can be assembled")
        options = options or ReelOptions()
        choices = choices_of(job.input.reel, self._settings)
        if options.music is not None:
            choices = choices.model_copy(update={"music": str(options.music)})
        self._cinematographer.job_choices(choices.model_copy(update={"reel": True}))
        folder = Path(job.out_dir)
        steps = self._store.steps(job_id)
        plan_reel(self._story(job), steps, folder, self._settings, choices, options, job_id=job_id)
        check_writable(folder)
        return job

    async def reassemble(
        self,
        job_id: str,
        *,
        options: ReelOptions | None = None,
        progress: ProgressCallback | None = None,
    ) -> Manifest:
        """Assemble the job's reel again from what it made, with ``options`` (other music,
        no captions, another crossfade, gaps allowed): no paid call."""
        job = self.check_assembly(job_id, options)
        return await self._run(job, progress, self._assemble(options or ReelOptions()))

    def _reshoot(self, index: int, prompt: str | None) -> Work:
        async def work(job: JobRecord, report: ProgressCallback, lease: Lease) -> Manifest:
            story, folder = self._story(job), Path(job.out_dir)
            if prompt is not None:
                story = _with_prompt(story, index, prompt)
                self._store.update(job.id, lease=lease, story=story)
                write_story(folder, story)
            journal = StoreJournal(self._store, job.id, lease)
            key = clip_step_key(index)
            step = journal.get(key) or StepRecord(key=key, kind=StepKind.CLIP, index=index)
            # Counts stay: the reshoot's submission adds to what the clip already cost.
            again = step.but(status=StepStatus.PENDING, operation=None, artifact=None, error=None)
            journal.save(again)
            drawn = journal.get(keyframe_step_key(index))
            if prompt is not None and drawn is not None:
                # A new prompt, a new first frame: the keyframe is drawn again (one image).
                journal.save(drawn.but(status=StepStatus.PENDING, artifact=None, error=None))
            logger.info("job %s: filming segment %02d again", job.id, index)
            choices = choices_of(job.input.reel, self._settings)
            await self._cinematographer.reshoot(
                story, folder, index, journal=journal, progress=report, choices=choices
            )
            reel = await self._cinematographer.assemble(
                story, folder, journal=journal, progress=report, choices=choices, job_id=job.id
            )
            return self._finish(job, lease, reel)

        return work

    def _assemble(self, options: ReelOptions) -> Work:
        async def work(job: JobRecord, report: ProgressCallback, lease: Lease) -> Manifest:
            journal = StoreJournal(self._store, job.id, lease)
            journal.add([StepRecord(key=ASSEMBLE_STEP, kind=StepKind.ASSEMBLE)])
            reel = await self._cinematographer.assemble(
                self._story(job),
                Path(job.out_dir),
                journal=journal,
                progress=report,
                choices=choices_of(job.input.reel, self._settings),
                options=options,
                job_id=job.id,
            )
            return self._finish(job, lease, reel)

        return work

    def _finish(self, job: JobRecord, lease: Lease, reel: ReelEntry | None) -> Manifest:
        cancelled = self._store.get(job.id).cancel_requested
        reasons = ["cancelled"] if cancelled else []
        return finish_job(self._store, self._settings, job.id, reasons, lease=lease, reel=reel)

    async def _run(self, job: JobRecord, progress: ProgressCallback | None, work: Work) -> Manifest:
        if job.cancel_requested:
            # A cancel request of an earlier run must not stop this one.
            job = self._store.update(job.id, cancel_requested=False)
        claimed = self._store.claim(
            job.id, self._owner, expected_status=job.status, expected_owner=job.owner
        )
        if claimed is None:
            raise JobError(f"job {job.id} was just started by another process")
        return await self._execution.run(claimed, progress, work=work)

    def _idle(self, job_id: str, running_here: bool) -> JobRecord:
        job = self._store.get(job_id)
        alive = job.owner_alive(stale_after_s=self._stale_after_s)
        if running_here or (job.status is JobStatus.RUNNING and alive):
            where = "this process" if running_here else f"process {job.owner}"
            raise JobError(f"job {job_id} is running in {where}; wait for it or cancel it")
        return job

    @staticmethod
    def _story(job: JobRecord) -> Story:
        if job.story is None:
            raise JobError(
                f"job {job.id} has no story yet; `storyreel resume {job.id}` writes and films it"
            )
        return job.story


def _with_prompt(story: Story, index: int, prompt: str) -> Story:
    segments = [
        s.model_copy(update={"visual_prompt": prompt}) if s.index == index else s
        for s in story.segments
    ]
    return story.model_copy(update={"segments": segments})


def check_writable(folder: Path) -> None:
    """An InputError unless a file can be created in ``folder``."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = folder_trouble(folder, exc)
        raise InputError(f"cannot write to the job folder {str(folder)!r}: {reason}") from None


__all__ = ["ReelJobs", "check_writable"]
