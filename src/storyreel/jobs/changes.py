"""Telling watchers in this process that a job changed, the moment its store write commits.

Watchers of a job (the API's event streams) read the store again when the bell rings, instead
of waiting for their next look. Changes made by other processes sharing a SQLite store reach
them at that next look; with PostgreSQL, they ring the bell too (storyreel.jobs.pg_changes).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from typing import Any

from storyreel.jobs.models import JobRecord, JobStatus, StepRecord
from storyreel.jobs.store import JobStore, Lease

_Waiter = tuple[asyncio.AbstractEventLoop, asyncio.Event]


class ChangeBell:
    """Wakes the coroutines waiting for a job's changes; rung from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, list[_Waiter]] = {}
        self._on_listen: Callable[[], None] | None = None

    def when_listened(self, start: Callable[[], None]) -> None:
        """Call ``start`` at each :meth:`listen` (it returns at once when already started):
        what also rings the bell for other processes' changes starts with its first
        listener, in the processes that have one."""
        self._on_listen = start

    def listen(self, job_id: str) -> asyncio.Event:
        """An event (of the running loop) set at each change of ``job_id`` until
        :meth:`forget` is called with it; the listener clears it before it reads."""
        event = asyncio.Event()
        with self._lock:
            self._waiters.setdefault(job_id, []).append((asyncio.get_running_loop(), event))
        if self._on_listen is not None:
            self._on_listen()
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


class SignallingJobStore(JobStore):
    """Any :class:`JobStore`, whose writes ring :attr:`changes` once they have committed,
    when they change what a watcher shows (a lease renewal only refreshes the heartbeat,
    and does not). Every method and attribute (a SQLite store's ``path``) is the wrapped
    store's."""

    def __init__(self, store: JobStore) -> None:
        self.store = store
        self.changes = ChangeBell()

    def __getattr__(self, name: str) -> Any:
        if name == "store":  # not set yet (a copy being made): nothing to forward to
            raise AttributeError(name)
        return getattr(self.store, name)

    def create(self, job: JobRecord, steps: Sequence[StepRecord] = ()) -> None:
        self.store.create(job, steps)
        self.changes.ring(job.id)

    def get(self, job_id: str) -> JobRecord:
        return self.store.get(job_id)

    def list_jobs(self, *, statuses: Sequence[JobStatus] | None = None) -> list[JobRecord]:
        return self.store.list_jobs(statuses=statuses)

    def update(self, job_id: str, *, lease: Lease | None = None, **changes: Any) -> JobRecord:
        job = self.store.update(job_id, lease=lease, **changes)
        self.changes.ring(job_id)
        return job

    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        job = self.store.claim(
            job_id, owner, expected_status=expected_status, expected_owner=expected_owner
        )
        if job is not None:
            self.changes.ring(job_id)
        return job

    def renew(self, lease: Lease) -> None:
        self.store.renew(lease)

    def steps(self, job_id: str) -> list[StepRecord]:
        return self.store.steps(job_id)

    def save_step(
        self,
        job_id: str,
        step: StepRecord,
        *,
        lease: Lease | None = None,
        reserve_s: float = 0.0,
    ) -> None:
        self.store.save_step(job_id, step, lease=lease, reserve_s=reserve_s)
        self.changes.ring(job_id)

    def salvage_step(self, job_id: str, step: StepRecord) -> bool:
        recorded = self.store.salvage_step(job_id, step)
        if recorded:
            self.changes.ring(job_id)
        return recorded

    def add_steps(
        self, job_id: str, steps: Sequence[StepRecord], *, lease: Lease | None = None
    ) -> None:
        self.store.add_steps(job_id, steps, lease=lease)
        self.changes.ring(job_id)

    def check(self) -> None:
        self.store.check()

    def close(self) -> None:
        self.store.close()


__all__ = ["ChangeBell", "SignallingJobStore"]
