"""Before a resume runs: a job with nothing left to do, and a job put back in the queue."""

from __future__ import annotations

from storyreel.errors import JobError
from storyreel.jobs.models import JobRecord, JobStatus
from storyreel.jobs.store import JobStore, Lease


class NothingToResume(JobError):
    """The job has already succeeded and its files are all there: a resume would do nothing.
    At the command line this is no failure (exit 0); over HTTP it is a 409."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id} has already succeeded; there is nothing to resume")
        self.job_id = job_id


def requeue(
    store: JobStore, job: JobRecord, owner: str, *, lease_s: float, only_idle: bool = False
) -> JobRecord:
    """``job``, as just read, back in the queue for ``owner``, its cancel request and
    reasons cleared, so that whoever reads it next sees it waiting to run.

    The move goes through a claim, so that it happens only if nobody has taken the job since
    it was read (else a JobError); ``lease_s`` is how long that claim holds. With
    ``only_idle`` (a reshoot, a re-assembly: work of its own, not a resume), a job already
    waiting for a live process to run it is a JobError too: queueing it again would move
    its fence, and the work it waits for would be dropped.
    """
    if only_idle and job.status is JobStatus.QUEUED and job.owner_alive(stale_after_s=lease_s):
        raise JobError(
            f"job {job.id} is already queued to run (for {job.owner}); wait until it has run, "
            "then ask again"
        )
    claimed = store.claim(job.id, owner, expected_status=job.status, expected_owner=job.owner)
    if claimed is None:
        raise JobError(f"job {job.id} was just started by another process")
    lease = Lease(job.id, owner, claimed.fence, lease_s)
    return store.update(
        job.id, lease=lease, status=JobStatus.QUEUED, cancel_requested=False, reasons=[]
    )


__all__ = ["NothingToResume", "requeue"]
