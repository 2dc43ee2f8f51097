"""The lease rescan every worker runs: a job whose owner died mid-way goes back to the queue
for a live worker, which resumes it (re-polling what was submitted, never paying twice)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from typing import Any

from storyreel.errors import JobError, StoryreelError
from storyreel.jobs.models import JobRecord, JobStatus, parse_owner, utcnow
from storyreel.jobs.resuming import requeue
from storyreel.jobs.store import JobStore
from storyreel.workers.actions import JobAction
from storyreel.workers.broker import BrokerUnavailable

logger = logging.getLogger(__name__)

# The role in the owner string of a job a worker holds (``host:pid:worker-nonce``).
WORKER_ROLE = "worker"


def rescan_every_s(lease_s: float) -> float:
    """How often a worker looks: twice per lease, so that a dead worker's job waits at most
    about a lease and a half; never more often than each second, never less than each 30 s."""
    return max(1.0, min(30.0, lease_s / 2))


def abandoned(
    store: JobStore, *, owner: str, active: Collection[str], lease_s: float
) -> list[JobRecord]:
    """Jobs no live process looks after: running under a lease that ran out (or whose
    process is gone), or put back in the queue by a worker that stopped since. A job queued
    by a server or a command waits for its own task in the broker instead. Jobs of this
    very worker (``owner``) count when it no longer runs them (``active``) and their lease
    ran out: a run stopped by a lost lease leaves them so."""
    found = []
    for job in store.list_jobs(statuses=[JobStatus.QUEUED, JobStatus.RUNNING]):
        if job.owner == owner:
            beat = job.heartbeat_at
            stale = beat is None or (utcnow() - beat).total_seconds() > lease_s
            if job.status is JobStatus.RUNNING and stale and job.id not in active:
                found.append(job)
            continue
        if job.owner_alive(stale_after_s=lease_s):
            continue
        _, _, role = parse_owner(job.owner or "")
        if job.status is JobStatus.RUNNING or role == WORKER_ROLE:
            found.append(job)
    return found


def rescan(
    store: JobStore,
    send: Callable[[JobAction], None],
    run_here: Callable[[JobAction], Any],
    *,
    owner: str,
    active: Collection[str],
    lease_s: float,
    resend_after_s: float | None = None,
) -> list[str]:
    """Requeue each abandoned job under ``owner`` and ``send`` a resume naming its new
    fence; the ids of those requeued. Then, with ``resend_after_s``, send again what a
    queued job may never have been sent (:func:`resend_unsent`). The requeue is the store's
    compare-and-set, so when several workers rescan at once exactly one of them takes each
    job. When the broker
    cannot take the resume, ``run_here`` runs it in this worker instead: the job is this
    worker's now, and nobody else would pick it up while it lives."""
    taken = []
    for job in abandoned(store, owner=owner, active=active, lease_s=lease_s):
        try:
            queued = requeue(store, job, owner, lease_s=lease_s)
        except JobError:
            continue  # another worker got there first
        action = JobAction(kind="resume", job_id=job.id, fence=queued.fence)
        logger.warning("job %s: its owner %s is gone; queued to be resumed", job.id, job.owner)
        try:
            send(action)
        except BrokerUnavailable as exc:
            logger.warning("job %s: %s; resuming it in this worker", job.id, exc)
            run_here(action)
        taken.append(job.id)
    if resend_after_s is not None:
        resend_unsent(store, send, skip=taken, resend_after_s=resend_after_s)
    return taken


def resend_unsent(
    store: JobStore,
    send: Callable[[JobAction], None],
    *,
    skip: Collection[str],
    resend_after_s: float,
) -> list[str]:
    """Send a resume for each job that has waited in the queue ``resend_after_s`` without
    anyone taking it: its message may be lost for a day (a worker SIGKILLed after taking it
    and before claiming the job leaves it unacknowledged until the broker's visibility
    timeout), or was never sent (a server killed between saving the job and sending it).

    The copy names the job's fence as it is, without requeueing it: whichever copy reaches
    a worker first claims the job and the other finds it taken, so a job that only waits
    its turn keeps its place and nothing runs twice. The job is touched first, so the next
    look (here or at another worker) waits another ``resend_after_s``; ids of those sent."""
    sent = []
    for job in store.list_jobs(statuses=[JobStatus.QUEUED]):
        waited = (utcnow() - job.updated_at).total_seconds()
        if job.id in skip or waited < resend_after_s:
            continue
        try:
            store.update(job.id, reasons=job.reasons)  # only its updated_at moves
            send(JobAction(kind="resume", job_id=job.id, fence=job.fence))
        except StoryreelError as exc:  # the broker is down: the next look tries again
            logger.warning("job %s: cannot send it again: %s", job.id, exc)
            continue
        logger.info("job %s waited %.0f s in the queue untaken; sent again", job.id, waited)
        sent.append(job.id)
    return sent


def safe_rescan(
    store: JobStore,
    send: Callable[[JobAction], None],
    run_here: Callable[[JobAction], Any],
    *,
    owner: str,
    active: Collection[str],
    lease_s: float,
    resend_after_s: float | None = None,
) -> list[str]:
    """:func:`rescan`, with a store that cannot be read logged and tried again next time."""
    try:
        return rescan(
            store,
            send,
            run_here,
            owner=owner,
            active=active,
            lease_s=lease_s,
            resend_after_s=resend_after_s,
        )
    except StoryreelError as exc:
        logger.warning("cannot look for abandoned jobs: %s", exc)
        return []


__all__ = ["WORKER_ROLE", "abandoned", "rescan", "rescan_every_s", "resend_unsent", "safe_rescan"]
