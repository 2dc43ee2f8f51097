"""The limiter: every provider call waits for its budget, and a 429 pauses its budget for
every job sharing the output folder (or, with a PostgreSQL job store, the database)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

from storyreel.quota.budgets import (
    IN_FLIGHT,
    WAITING_FOR,
    LimitLookup,
    bucket_name,
    no_limits,
    settings_limits,
)
from storyreel.quota.observing import CallObserver, error_label
from storyreel.quota.store import BudgetStore, QuotaWait, budgets_location
from storyreel.quota.waiting import WaitTally, current_listener
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

# How long a 429 without Retry-After pauses its budget (Vertex sends none).
DEFAULT_PAUSE_S: Final = 1.0
# An in-flight slot of a process that stopped renewing it is free again after this long.
FLIGHT_TTL_S: Final = 60.0

Throttled = Callable[[Exception], float | None]


class Limiter:
    """Budgets of provider calls, shared through a :class:`BudgetStore`: a SQLite file, or
    a ``postgresql://`` URL (the job store's database, shared by every machine).

    ``limits(kind, model)`` gives the budgets a call keeps to (none: unlimited);
    ``max_in_flight`` caps the Veo operations running at once. The store is opened on first
    need, so a process whose calls are all unlimited (and never throttled) writes no file.
    ``clock`` is Unix time (shared by processes) and ``sleep`` the wait: seams for tests.
    ``observer`` hears of every call and every wait (the job layer's activity record).
    """

    def __init__(
        self,
        store: Path | str | None,
        limits: LimitLookup = no_limits,
        *,
        max_in_flight: int | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        observer: CallObserver | None = None,
    ) -> None:
        self._where = store
        self._observer = observer
        self._limits = limits
        self._max_in_flight = max_in_flight
        self._clock = clock
        self._sleep = sleep
        self._store: BudgetStore | None = None
        self._opening = threading.Lock()

    @classmethod
    def unlimited(cls) -> Limiter:
        """A limiter that never waits and remembers nothing: the default of services built
        directly (unit tests, scripts)."""
        return cls(None)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    async def acquire(self, kind: str, model: str, *, tally: WaitTally | None = None) -> None:
        """Return once a call of ``kind`` to ``model`` may go, and count it as made now."""
        ticket = await self._take(kind, model, tally)
        if ticket:
            await self._settle(ticket)

    async def pause(self, kind: str, model: str, seconds: float) -> None:
        """Hold every call of ``kind`` to ``model``, in every process, for ``seconds``."""
        store = self._open(create=self._where is not None)
        if store is None:
            return
        until = self._clock() + max(seconds, 0.0)
        logger.info("%s %s throttled: pausing it for %.1f s", kind, model, seconds)
        await asyncio.to_thread(store.pause, bucket_name(kind, model), until)

    async def call(
        self,
        kind: str,
        model: str,
        send: Callable[[], Awaitable[T]],
        *,
        throttled: Throttled,
        tally: WaitTally | None = None,
    ) -> T:
        """``send()`` once its budget allows; when it fails and ``throttled(exc)`` gives a
        pause (a 429: its Retry-After, else a default), the budget is paused for everyone.
        The call's window runs from its answer: the provider counts it on arrival, which
        may be later than it was sent."""
        ticket = await self._take(kind, model, tally)
        error: str | None = None
        try:
            return await send()
        except BaseException as exc:
            error = error_label(exc) if isinstance(exc, Exception) else "cancelled"
            pause = throttled(exc) if isinstance(exc, Exception) else None
            if pause is not None:
                await self.pause(kind, model, pause)
            raise
        finally:
            if ticket:
                await self._settle(ticket)
            self._observe(lambda o: o.called(kind, model, error))

    @contextlib.asynccontextmanager
    async def in_flight(self) -> AsyncIterator[None]:
        """Hold one of ``max_in_flight`` operation slots for the block."""
        capacity = self._max_in_flight
        store = self._open(create=capacity is not None)
        if capacity is None or store is None:
            yield
            return
        token = uuid.uuid4().hex
        await self._wait_for(
            lambda now: store.take_flight(token, capacity, now, FLIGHT_TTL_S), IN_FLIGHT, None
        )
        renewing = asyncio.ensure_future(self._renew(store, token))
        try:
            yield
        finally:
            renewing.cancel()
            await asyncio.to_thread(store.end_flight, token)

    async def _take(self, kind: str, model: str, tally: WaitTally | None) -> int:
        # The call's ticket in the store; 0 when no budget applies (nothing was recorded).
        limits = self._limits(kind, model)
        store = self._open(create=bool(limits))
        if store is None:
            return 0
        bucket = bucket_name(kind, model)
        tickets: list[int] = []

        def take(now: float) -> float:
            wait, ticket = store.take(bucket, limits, now)
            tickets.append(ticket)
            return wait

        await self._wait_for(take, kind, tally)
        return tickets[-1]

    async def _settle(self, ticket: int) -> None:
        if self._store is not None:
            await asyncio.to_thread(self._store.settle, ticket, self._clock())

    def waits(self, job_id: str | None = None) -> list[QuotaWait]:
        """Who waits for budget now, in every process sharing the store."""
        store = self._open(create=False)
        return [] if store is None else store.waits(job_id)

    async def _renew(self, store: BudgetStore, token: str) -> None:
        # Real time, not the injected sleep: this keeps a slot alive while its work runs.
        while True:
            await asyncio.sleep(FLIGHT_TTL_S / 3)
            await asyncio.to_thread(store.renew_flight, token, self._clock() + FLIGHT_TTL_S)

    async def _wait_for(
        self, take: Callable[[float], float], kind: str, tally: WaitTally | None
    ) -> None:
        started: float | None = None
        waiter = uuid.uuid4().hex
        store = self._store
        try:
            while (delay := await asyncio.to_thread(take, self._clock())) > 0:
                if started is None:
                    started = self._clock()
                    wait = self._tell(kind, started)
                    if store is not None:  # off the loop: the store may be across a network
                        await asyncio.to_thread(store.set_wait, waiter, wait)
                await self._sleep(delay)
        finally:
            if started is not None:
                waited = self._clock() - started
                if tally is not None:
                    tally.waited_s += waited
                self._observe(lambda o: o.waited(kind, "", waited))
                if store is not None:
                    await asyncio.to_thread(store.clear_wait, waiter)

    def _tell(self, kind: str, since: float) -> QuotaWait:
        # The listener hears of the wait; the returned record is for the shared store.
        what = WAITING_FOR.get(kind, f"waiting for {kind} quota")
        listener = current_listener()
        if listener is not None and listener.report is not None:
            listener.report(what)
        job_id, step = (listener.job_id, listener.step) if listener else (None, None)
        return QuotaWait(job_id=job_id, step=step, what=what, since=since)

    def _observe(self, tell: Callable[[CallObserver], None]) -> None:
        try:  # A record for the metrics: its failure must never fail the call it describes.
            tell(self._observer) if self._observer is not None else None
        except Exception as exc:
            logger.warning("could not record a provider call for the metrics: %s", exc)

    def _open(self, *, create: bool) -> BudgetStore | None:
        # A missing file is made only for a call that needs it; a database is always there.
        where = self._where
        if (
            self._store is None
            and where is not None
            and (create or not isinstance(where, Path) or where.exists())
        ):
            with self._opening:
                if self._store is None:
                    self._store = BudgetStore(where)
        return self._store


def settings_limiter(settings: Settings, observer: CallObserver | None = None) -> Limiter:
    """The limiter of ``settings``: its budgets kept in the output folder, or in the job
    store's PostgreSQL database when ``jobs.store_url`` names one."""
    return Limiter(
        budgets_location(settings),
        settings_limits(settings),
        max_in_flight=settings.video.max_in_flight,
        observer=observer,
    )


def limiter_resource(settings: Settings, observer: CallObserver | None = None) -> Iterator[Limiter]:
    """The limiter of ``settings`` as a container resource: its store closed at shutdown."""
    limiter = settings_limiter(settings, observer)
    try:
        yield limiter
    finally:
        limiter.close()


__all__ = ["DEFAULT_PAUSE_S", "FLIGHT_TTL_S", "Limiter", "Throttled"]
__all__ += ["limiter_resource", "settings_limiter"]
