"""The job store interface: small, so that another backend (a distributed queue) can take over."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storyreel.databases import DatabaseUnavailable
from storyreel.errors import JobError
from storyreel.jobs.models import JobRecord, JobStatus, StepRecord, utcnow

# The job fields that ``JobStore.update`` may change; the others are set once at creation.
UPDATABLE_FIELDS = frozenset(
    {
        "status",
        "owner",
        "heartbeat_at",
        "cancel_requested",
        "story",
        "usage",
        "estimated_cost_usd",
        "reasons",
        "manifest",
    }
)


class StoreError(JobError):
    """The job store itself failed (damaged, full, locked too long): the message says which."""

    exit_code = 74  # EX_IOERR


class StoreUnavailable(StoreError):
    """The job store's server could not be reached, or ended the connection during a call
    (a restart, a failover): a write under way may or may not have been applied, and the
    same call may succeed once the server is back."""

    exit_code = 69  # EX_UNAVAILABLE


# The failures that mean the store is out of reach for now, not that something is wrong
# with a job: a new connection refused (DatabaseUnavailable), or one lost mid-call.
STORE_UNREACHABLE = (StoreUnavailable, DatabaseUnavailable)


class LeaseLost(JobError):
    """This process no longer holds the job: another one claimed it, or its lease ran out
    (the process was suspended or stalled). It must stop without submitting or writing."""


@dataclass(frozen=True)
class Lease:
    """A process's claim on a job, checked by every write made under it.

    The claim holds while the store still names ``owner`` and ``fence`` and the job's
    heartbeat is younger than ``ttl_s``; the owner renews it (:meth:`JobStore.renew`) well
    within that time. Another process may take the job over only once it has run out.
    """

    job_id: str
    owner: str
    fence: int
    ttl_s: float

    def check(
        self,
        owner: str | None,
        fence: int,
        heartbeat_at: datetime | None,
        *,
        reserve_s: float = 0.0,
    ) -> None:
        """Raise :class:`LeaseLost` unless the store's ``owner``, ``fence`` and heartbeat
        show this lease in force with at least ``reserve_s`` seconds left."""
        if owner != self.owner or fence != self.fence:
            raise LeaseLost(
                f"job {self.job_id} was taken over by another process ({owner}); "
                "this one stops without submitting anything more"
            )
        age = (utcnow() - heartbeat_at).total_seconds() if heartbeat_at else float("inf")
        if age > self.ttl_s - reserve_s:
            raise LeaseLost(
                f"job {self.job_id}: this process's lease ran out ({age:.0f} s since it was "
                f"last renewed, {self.ttl_s:g} s allowed; was the process suspended?); it stops "
                f"without submitting anything more. `storyreel resume {self.job_id}` continues it"
            )


class JobStore(ABC):
    """Durable state of jobs and their steps.

    Every method is atomic: it either happens completely or not at all, and what it wrote
    is durable when it returns. Unknown job ids raise :class:`~storyreel.errors.JobError`.
    """

    @abstractmethod
    def create(self, job: JobRecord, steps: Sequence[StepRecord] = ()) -> None:
        """Record a new job with its first steps."""

    @abstractmethod
    def get(self, job_id: str) -> JobRecord:
        """One job."""

    @abstractmethod
    def list_jobs(self, *, statuses: Sequence[JobStatus] | None = None) -> list[JobRecord]:
        """Jobs, newest first; only those in ``statuses`` when given."""

    @abstractmethod
    def update(self, job_id: str, *, lease: Lease | None = None, **changes: Any) -> JobRecord:
        """Change only the named fields (see ``UPDATABLE_FIELDS``) and return the job; under
        ``lease``, only while it is in force (else :class:`LeaseLost`, nothing written)."""

    @abstractmethod
    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        """Mark the job ``running`` for ``owner`` with a fresh heartbeat and the next
        ``fence`` if its status and owner are still what the caller read; ``None`` when
        another process got there first. A cancel request survives a claim.
        """

    @abstractmethod
    def renew(self, lease: Lease) -> None:
        """Refresh the heartbeat of a lease still in force; :class:`LeaseLost` otherwise."""

    @abstractmethod
    def steps(self, job_id: str) -> list[StepRecord]:
        """The job's steps: the story, the clips by index, the narrations by index, the
        thumbnail, then the reel."""

    @abstractmethod
    def save_step(
        self,
        job_id: str,
        step: StepRecord,
        *,
        lease: Lease | None = None,
        reserve_s: float = 0.0,
    ) -> None:
        """Insert or replace one step (by its key); under ``lease``, only while it is in
        force with ``reserve_s`` seconds to spare (else :class:`LeaseLost`)."""

    @abstractmethod
    def salvage_step(self, job_id: str, step: StepRecord) -> bool:
        """Record the outcome of a submit that this process sent before it lost its lease:
        replace the step only if the store still holds the ``unknown`` write-ahead of the
        same attempt (nobody acted on it since). True if it was recorded."""

    @abstractmethod
    def add_steps(
        self, job_id: str, steps: Sequence[StepRecord], *, lease: Lease | None = None
    ) -> None:
        """Insert the steps the job does not have yet; existing ones are left as they are."""

    def check(self) -> None:
        """Prove that the store can be read (and, where it can tell, that it is intact);
        :class:`StoreError` otherwise."""
        self.list_jobs(statuses=[JobStatus.RUNNING])

    @abstractmethod
    def close(self) -> None:
        """Release what the store holds open (connections); it may be used again after."""


def check_changes(changes: dict[str, Any]) -> None:
    """Refuse a change to a field that is fixed at creation."""
    fixed = set(changes) - UPDATABLE_FIELDS
    if fixed:
        raise ValueError(f"job fields {sorted(fixed)} cannot be updated")
