"""Who hears of every provider call and every wait for budget: the job layer's record of
activity, for the metrics. The limiter sees every call, so it is the one place to tell."""

from __future__ import annotations

from typing import Protocol


class CallObserver(Protocol):
    """Told of each provider call once it has an answer, and of each wait for budget.

    Called on the event loop's thread as each call ends, so it must be quick; an observer
    that fails must not fail the call (the limiter logs and goes on)."""

    def called(self, kind: str, model: str, error: str | None) -> None:
        """A call of ``kind`` to ``model`` ended: ``error`` is None when it succeeded, else a
        short label (``http_429``, ``ReadTimeout``, ``cancelled``)."""

    def waited(self, kind: str, model: str, seconds: float) -> None:
        """A call of ``kind`` to ``model`` waited ``seconds`` for its budget."""


def error_label(exc: BaseException) -> str:
    """A short, secret-free label of a failed call: its HTTP status when it has one."""
    for name in ("status_code", "code", "status"):
        status = getattr(exc, name, None)
        if isinstance(status, int) and 100 <= status < 600:
            return f"http_{status}"
    return type(exc).__name__


__all__ = ["CallObserver", "error_label"]
