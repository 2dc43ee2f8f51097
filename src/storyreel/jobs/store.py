"""The job store interface: small, so that another backend (a distributed queue) can take over."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from storyreel.jobs.models import JobRecord, JobStatus, StepRecord

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
    def update(self, job_id: str, **changes: Any) -> JobRecord:
        """Change only the named fields (see ``UPDATABLE_FIELDS``) and return the job."""

    @abstractmethod
    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        """Mark the job ``running`` for ``owner`` (clearing a cancel request) if its status
        and owner are still what the caller read; ``None`` when another process got there first.
        """

    @abstractmethod
    def steps(self, job_id: str) -> list[StepRecord]:
        """The job's steps: the story, the clips by index, then the thumbnail."""

    @abstractmethod
    def save_step(self, job_id: str, step: StepRecord) -> None:
        """Insert or replace one step (by its key)."""

    @abstractmethod
    def add_steps(self, job_id: str, steps: Sequence[StepRecord]) -> None:
        """Insert the steps the job does not have yet; existing ones are left as they are."""

    @abstractmethod
    def close(self) -> None:
        """Release what the store holds open (connections); it may be used again after."""


def check_changes(changes: dict[str, Any]) -> None:
    """Refuse a change to a field that is fixed at creation."""
    fixed = set(changes) - UPDATABLE_FIELDS
    if fixed:
        raise ValueError(f"job fields {sorted(fixed)} cannot be updated")
