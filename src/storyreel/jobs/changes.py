"""Telling watchers in this process that a job changed, the moment its store write commits.

Watchers of a job (the API's event streams) read the store again when the bell rings, instead
of waiting for their next look; changes made by other processes sharing the store reach them
at that next look.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from storyreel.jobs.models import JobRecord, JobStatus, StepRecord
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.jobs.store import Lease

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class ChangeBell:
    """Wakes the coroutines waiting for a job's changes; rung from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, list[_Waiter]] = {}

    def listen(self, job_id: str) -> asyncio.Event:
        """An event (of the running loop) set at each change of ``job_id`` until
        :meth:`forget` is called with it; the listener clears it before it reads."""
        event = asyncio.Event()
        with self._lock:
            self._waiters.setdefault(job_id, []).append((asyncio.get_running_loop(), event))
        return event

    def forget(self, job_id: str, event: asyncio.Event) -> None:
        with self._lock:
            left = [pair for pair in self._waiters.get(job_id, []) if pair[1] is not event]
            if left:
                self._waiters[job_id] = left
            else:
                self._waiters.pop(job_id, None)

    def ring(self, job_id: str) -> None:
        """Wake every listener of ``job_id``."""
        with self._lock:
            waiters = list(self._waiters.get(job_id, ()))
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed; its listener is gone with it
                self.forget(job_id, event)


class SignallingJobStore(SqliteJobStore):
    """A :class:`SqliteJobStore` that rings :attr:`changes` after every write that changes
    what a watcher shows (a lease renewal only refreshes the heartbeat, and does not)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.changes = ChangeBell()

    def create(self, job: JobRecord, steps: Sequence[StepRecord] = ()) -> None:
        super().create(job, steps)
        self.changes.ring(job.id)

    def update(self, job_id: str, *, lease: Lease | None = None, **changes: Any) -> JobRecord:
        job = super().update(job_id, lease=lease, **changes)
        self.changes.ring(job_id)
        return job

    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        job = super().claim(
            job_id, owner, expected_status=expected_status, expected_owner=expected_owner
        )
        if job is not None:
            self.changes.ring(job_id)
        return job

    def save_step(
        self,
        job_id: str,
        step: StepRecord,
        *,
        lease: Lease | None = None,
        reserve_s: float = 0.0,
    ) -> None:
        super().save_step(job_id, step, lease=lease, reserve_s=reserve_s)
        self.changes.ring(job_id)

    def salvage_step(self, job_id: str, step: StepRecord) -> bool:
        recorded = super().salvage_step(job_id, step)
        if recorded:
            self.changes.ring(job_id)
        return recorded

    def add_steps(
        self, job_id: str, steps: Sequence[StepRecord], *, lease: Lease | None = None
    ) -> None:
        super().add_steps(job_id, steps, lease=lease)
        self.changes.ring(job_id)


__all__ = ["ChangeBell", "SignallingJobStore"]
