"""Running a job's steps side by side, and stopping them all together."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


async def all_or_none(work: list[Coroutine[Any, Any, None]]) -> None:
    """Run ``work`` concurrently; if one fails unexpectedly (the store is unwritable...),
    stop the others before the error goes up, so that nothing submits after the job ends.
    A paid submit in flight still finishes and records its outcome (see Filming._send)."""
    tasks = [asyncio.ensure_future(item) for item in work]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


__all__ = ["all_or_none"]
