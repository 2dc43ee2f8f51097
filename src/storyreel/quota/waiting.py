"""Who hears that a call waits for budget: set by the job layer around a step, read by the
limiter deep inside a service call, without threading a callback through every signature."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WaitListener:
    """``report(what)`` is called when a wait starts (e.g. "waiting for Veo quota");
    ``job_id`` and ``step`` name the waiter in the shared store, for the job API."""

    report: Callable[[str], None] | None = None
    job_id: str | None = None
    step: str | None = None


@dataclass
class WaitTally:
    """Seconds one piece of work spent waiting for budget: a clip's timeout leaves them out."""

    waited_s: float = field(default=0.0)


_listener: ContextVar[WaitListener | None] = ContextVar("storyreel_quota_listener", default=None)


@contextlib.contextmanager
def waits_reported(listener: WaitListener) -> Iterator[None]:
    """Within the block (and the tasks it starts), budget waits are told to ``listener``."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def current_listener() -> WaitListener | None:
    return _listener.get()


__all__ = ["WaitListener", "WaitTally", "current_listener", "waits_reported"]
