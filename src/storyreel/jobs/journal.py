"""Where the pipeline records its steps (a job store, or memory) and how it reports progress."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from storyreel.jobs.models import StepRecord
from storyreel.jobs.store import JobStore, Lease


@dataclass(frozen=True)
class ProgressEvent:
    """One step changed phase.

    ``key`` is ``story``, ``clip-NN``, ``voice-NN``, ``thumbnail`` or ``assemble``; ``phase``
    one of ``writing``, ``queued``, ``submitted``, ``unknown`` (the submit's outcome),
    ``retrying``, ``polling``, ``speaking`` (a narration being read), ``assembling``, ``done``,
    ``skipped``, ``failed``, ``waiting`` (an operation left for a resume to collect) or
    ``quota`` (waiting for a rate-limit budget; ``detail`` says which, e.g. "waiting for Veo
    quota"); ``polls`` counts polls so far.
    """

    key: str
    phase: str
    index: int | None = None
    polls: int = 0
    detail: str = ""


ProgressCallback = Callable[[ProgressEvent], None]


class StepJournal(Protocol):
    """Durable (or not) memory of a pipeline's steps. ``save`` must be durable when it
    returns: the pipeline relies on it to never pay twice for a clip."""

    @property
    def job_id(self) -> str | None:
        """The job whose steps these are (for messages that name it); None without a job."""

    def get(self, key: str) -> StepRecord | None: ...

    def save(self, step: StepRecord) -> None: ...

    def save_ahead(self, step: StepRecord) -> None:
        """Save the write-ahead of a paid request: with a job store, only while this process
        holds the job with time to spare, so that it never submits on a lapsing claim."""

    def salvage(self, step: StepRecord) -> bool:
        """Record a paid request's outcome after the claim was lost, if nobody acted since."""

    def add(self, steps: Sequence[StepRecord]) -> None: ...

    def steps(self) -> list[StepRecord]: ...

    def cancelled(self) -> bool: ...


class MemoryJournal:
    """A journal that lives as long as the object: for one-off runs without a job."""

    def __init__(self, steps: Sequence[StepRecord] = ()) -> None:
        self._steps = {step.key: step for step in steps}
        self.cancel_requested = False

    @property
    def job_id(self) -> str | None:
        return None

    def get(self, key: str) -> StepRecord | None:
        return self._steps.get(key)

    def save(self, step: StepRecord) -> None:
        self._steps[step.key] = step

    def save_ahead(self, step: StepRecord) -> None:
        self.save(step)

    def salvage(self, step: StepRecord) -> bool:
        self.save(step)
        return True

    def add(self, steps: Sequence[StepRecord]) -> None:
        for step in steps:
            self._steps.setdefault(step.key, step)

    def steps(self) -> list[StepRecord]:
        return list(self._steps.values())

    def cancelled(self) -> bool:
        return self.cancel_requested


class StoreJournal:
    """A journal backed by a :class:`JobStore`: every save is a committed transaction, made
    only while ``lease`` (when given) is in force."""

    def __init__(self, store: JobStore, job_id: str, lease: Lease | None = None) -> None:
        self._store = store
        self._job_id = job_id
        self._lease = lease
        self._steps = {step.key: step for step in store.steps(job_id)}

    @property
    def job_id(self) -> str | None:
        return self._job_id

    def get(self, key: str) -> StepRecord | None:
        return self._steps.get(key)

    def save(self, step: StepRecord) -> None:
        self._store.save_step(self._job_id, step, lease=self._lease)
        self._steps[step.key] = step

    def save_ahead(self, step: StepRecord) -> None:
        # Half the lease in reserve: the request leaves well before anyone may take over.
        reserve = self._lease.ttl_s / 2 if self._lease else 0.0
        self._store.save_step(self._job_id, step, lease=self._lease, reserve_s=reserve)
        self._steps[step.key] = step

    def salvage(self, step: StepRecord) -> bool:
        return self._store.salvage_step(self._job_id, step)

    def add(self, steps: Sequence[StepRecord]) -> None:
        new = [step for step in steps if step.key not in self._steps]
        if new:
            self._store.add_steps(self._job_id, new, lease=self._lease)
            self._steps = {step.key: step for step in self._store.steps(self._job_id)}

    def steps(self) -> list[StepRecord]:
        return self._store.steps(self._job_id)

    def cancelled(self) -> bool:
        # Read from the store: a cancel may come from another thread or process.
        return self._store.get(self._job_id).cancel_requested
