"""The job side of rate limiting: a clip holds an operation slot (video.max_in_flight) while
it runs, and every step's waits for budget show in its progress."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from storyreel.jobs.journal import ProgressCallback, ProgressEvent
from storyreel.quota import Limiter, WaitListener, waits_reported

# The phase of a step waiting for budget; its detail says which ("waiting for Veo quota").
QUOTA_PHASE = "quota"
# What a clip enters before it submits: a semaphore, or ClipSlots.
ClipLimit = contextlib.AbstractAsyncContextManager[Any]


class ClipSlots:
    """Entered by each clip of a job: first one of the job's ``video.concurrency`` places,
    then one of the operation slots shared by every job (``video.max_in_flight``)."""

    def __init__(self, limit: asyncio.Semaphore, limiter: Limiter) -> None:
        self._limit = limit
        self._limiter = limiter
        self._held: dict[asyncio.Task[Any] | None, contextlib.AsyncExitStack] = {}

    async def __aenter__(self) -> None:
        stack = contextlib.AsyncExitStack()
        await self._limit.acquire()
        stack.callback(self._limit.release)
        try:
            await stack.enter_async_context(self._limiter.in_flight())
        except BaseException:
            await stack.aclose()
            raise
        self._held[asyncio.current_task()] = stack

    async def __aexit__(self, *exc: object) -> None:
        await self._held.pop(asyncio.current_task()).aclose()


async def reporting_waits(
    work: Coroutine[Any, Any, None],
    report: ProgressCallback,
    *,
    key: str,
    index: int | None,
    job_id: str | None,
) -> None:
    """Run ``work`` with its budget waits reported as ``quota`` progress of step ``key`` and
    recorded for the job API."""

    def waiting(what: str) -> None:
        report(ProgressEvent(key, QUOTA_PHASE, index, detail=what))

    with waits_reported(WaitListener(report=waiting, job_id=job_id, step=key)):
        await work


__all__ = ["QUOTA_PHASE", "ClipLimit", "ClipSlots", "reporting_waits"]
