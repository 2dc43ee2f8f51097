"""What a worker is asked to do with a job (a small, serialisable action), and doing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from storyreel.jobs.assembly import ReelOptions
from storyreel.jobs.journal import ProgressCallback
from storyreel.jobs.manifest import Manifest
from storyreel.jobs.reel_jobs import ReelJobs
from storyreel.jobs.runner import JobRunner

ActionKind = Literal["run", "resume", "reshoot", "assemble"]


class JobAction(BaseModel):
    """One thing to do with one job: ``run`` a new job, ``resume`` one, ``reshoot`` segment
    ``index`` (with a new ``prompt``), or ``assemble`` its reel again (with ``music``,
    ``captions``, ``transition_s``, ``allow_gaps``).

    ``fence`` is the job's claim count when the action was queued: the job is put in the
    queue (status ``queued``) before the action is sent, and the first worker to claim it
    moves the fence on, so a copy of the action delivered again finds the fence moved and
    does nothing (see :func:`storyreel.workers.perform`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ActionKind
    job_id: str = Field(min_length=1, max_length=64)
    fence: int = Field(default=0, ge=0)
    index: int | None = Field(default=None, ge=1)
    prompt: str | None = None
    music: str | None = None
    captions: bool | None = None
    transition_s: float | None = None
    allow_gaps: bool | None = None

    def payload(self) -> dict[str, Any]:
        """The action as JSON-ready data (a Celery task's argument)."""
        return self.model_dump(mode="json", exclude_none=True)

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> JobAction:
        return cls.model_validate(data)

    @classmethod
    def assembling(cls, job_id: str, fence: int, options: ReelOptions) -> JobAction:
        """An ``assemble`` action carrying ``options``."""
        return cls(
            kind="assemble",
            job_id=job_id,
            fence=fence,
            music=str(options.music) if options.music is not None else None,
            captions=options.captions,
            transition_s=options.transition_s,
            allow_gaps=options.allow_gaps,
        )

    def reel_options(self) -> ReelOptions:
        music = Path(self.music) if self.music is not None else None
        return ReelOptions(
            music=music,
            captions=self.captions,
            transition_s=self.transition_s,
            allow_gaps=self.allow_gaps,
        )

    def describe(self) -> str:
        """For log lines: ``reshoot of segment 02 of job <id>``."""
        if self.kind == "reshoot":
            return f"reshoot of segment {self.index or 0:02d} of job {self.job_id}"
        return f"{self.kind} of job {self.job_id}"


async def execute(
    action: JobAction,
    runner: JobRunner,
    reels: ReelJobs,
    progress: ProgressCallback | None = None,
) -> Manifest:
    """Do ``action`` with the job layer, in this process: the one mapping from an action to
    the runner's or the reel jobs' call, shared by a server running jobs inline and by a
    worker (which first makes sure the action is still due: :func:`perform`)."""
    if action.kind == "run":
        return await runner.run(action.job_id, progress=progress)
    if action.kind == "resume":
        return await runner.resume(action.job_id, progress=progress)
    if action.kind == "reshoot":
        if action.index is None:
            raise ValueError("a reshoot action names the segment (index)")
        return await reels.reshoot(
            action.job_id, action.index, prompt=action.prompt, progress=progress
        )
    return await reels.reassemble(action.job_id, options=action.reel_options(), progress=progress)


__all__ = ["ActionKind", "JobAction", "execute"]
