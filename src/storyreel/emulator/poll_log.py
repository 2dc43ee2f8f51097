"""Every poll of every Veo operation, with when it was ready: how tests and benchmarks see
how promptly a client collects its clips and how many polls it spends on each."""

from __future__ import annotations

import threading
import time
from typing import Any


class PollLog:
    """Per operation: when it was (or will be) ready, and the time of each poll answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ready_at: dict[str, float] = {}
        self._polls: dict[str, list[float]] = {}

    def saw(self, name: str, ready_at: float) -> None:
        """A poll of ``name`` arrived now; the operation is ready at ``ready_at``."""
        with self._lock:
            self._ready_at[name] = ready_at
            self._polls.setdefault(name, []).append(time.time())

    def describe(self) -> dict[str, dict[str, Any]]:
        """``{operation: {"ready_at", "polls": [times], "collected_at"}}`` in Unix seconds;
        ``collected_at`` is the first poll at or after ``ready_at`` (None while none was)."""
        with self._lock:
            return {
                name: {
                    "ready_at": ready,
                    "polls": list(self._polls[name]),
                    "collected_at": next((t for t in self._polls[name] if t >= ready), None),
                }
                for name, ready in self._ready_at.items()
            }

    def clear(self) -> None:
        with self._lock:
            self._ready_at.clear()
            self._polls.clear()


__all__ = ["PollLog"]
