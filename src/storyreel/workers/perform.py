"""A worker's side of an action: do it only if it is still due, so that a task delivered
twice, delivered late, or delivered after the job finished never pays for anything twice."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import StrEnum

from storyreel.errors import JobError
from storyreel.jobs.journal import ProgressCallback
from storyreel.jobs.models import JobRecord, JobStatus
from storyreel.jobs.reel_jobs import ReelJobs
from storyreel.jobs.resuming import NothingToResume
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import LeaseLost
from storyreel.workers.actions import JobAction, execute

logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    """What became of an action a worker received."""

    DONE = "done"  # it ran; ``Performed.status`` is how the job ended
    FINISHED = "finished"  # the job had already finished: nothing to do
    HELD = "held"  # a live process holds the job, or a newer action names it
    TAKEN = "taken"  # another process claimed the job first, or took it over meanwhile


@dataclass(frozen=True)
class Performed:
    outcome: Outcome
    status: str | None = None  # the manifest's status, when the action ran


def due(action: JobAction, job: JobRecord, *, lease_s: float) -> tuple[JobAction | None, str]:
    """What to do now about ``action`` given the job as the store holds it, and why.

    The action itself while the job waits in the queue under the action's fence. A job
    whose owner is gone (a worker killed mid-job: its lease ran out, or its process no
    longer exists) is taken over with a resume, which re-polls what was submitted and
    submits only what never was. Anything else (finished, or held by a live process) is
    nothing to do.
    """
    if job.status is JobStatus.QUEUED and job.fence == action.fence:
        return action, "queued for it"
    if job.final:
        return None, f"the job has already finished ({job.status.value})"
    if job.owner_alive(stale_after_s=lease_s):
        if job.status is JobStatus.RUNNING:
            return None, f"process {job.owner} holds the job under a live lease"
        return None, "the job was queued again since, for a newer request"
    takeover = JobAction(kind="resume", job_id=job.id, fence=job.fence)
    return takeover, f"its owner {job.owner} is gone: resuming the job"


async def perform(
    action: JobAction,
    runner: JobRunner,
    reels: ReelJobs,
    *,
    owner: str,
    lease_s: float,
    progress: ProgressCallback | None = None,
) -> Performed:
    """Do ``action`` with ``runner`` and ``reels`` (whose jobs are claimed as ``owner``) if
    it is still due; else log one line and return. The claim itself is the store's
    compare-and-set, so two workers that both find the action due cannot both run it: the
    one that loses the claim returns :attr:`Outcome.TAKEN`, having paid for nothing."""
    job = (await asyncio.to_thread(runner.get, action.job_id)).job
    todo, why = due(action, job, lease_s=lease_s)
    if todo is None:
        logger.info("%s: %s; nothing to do", action.describe(), why)
        return Performed(Outcome.FINISHED if job.final else Outcome.HELD)
    if todo is not action:
        logger.warning("%s: %s", action.describe(), why)
    try:
        manifest = await execute(todo, runner, reels, progress)
    except NothingToResume:
        logger.info("%s: the job has already succeeded; nothing to do", action.describe())
        return Performed(Outcome.FINISHED)
    except LeaseLost as exc:
        logger.warning("%s: %s", action.describe(), exc)
        return Performed(Outcome.TAKEN)
    except JobError as exc:
        now = (await asyncio.to_thread(runner.get, action.job_id)).job
        if now.owner != owner and now.fence > job.fence:
            logger.info("%s: another process claimed the job first (%s)", action.describe(), exc)
            return Performed(Outcome.TAKEN)
        raise
    return Performed(Outcome.DONE, manifest.status)


__all__ = ["Outcome", "Performed", "due", "perform"]
