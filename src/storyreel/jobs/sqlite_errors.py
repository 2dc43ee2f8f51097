"""What a failing SQLite job store tells its user: the real problem, in one line.

Every public method of the store is one transaction, so a method refused because another
process holds the lock can simply run again; it does, until ``lock_wait_s`` has passed.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from storyreel.errors import ConfigError
from storyreel.jobs.store import StoreError

F = TypeVar("F", bound=Callable[..., Any])


def is_locked(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def store_error(path: Path, exc: sqlite3.Error) -> StoreError | ConfigError:
    """The error a user can act on for ``exc``, raised by the store at ``path``."""
    text = str(exc)
    lowered = text.lower()
    if "malformed" in lowered or "not a database" in lowered or "corrupt" in lowered:
        return StoreError(
            f"the job store {path} is damaged ({text}); move it aside (a new one is made on the "
            "next run) or restore it from a backup: jobs recorded only there cannot be resumed"
        )
    if "disk is full" in lowered or "no space" in lowered or "disk i/o" in lowered:
        return StoreError(
            f"the job store {path} cannot be written ({text}): free space on its disk, then "
            "resume the job; nothing recorded so far is lost"
        )
    if is_locked(exc):
        return StoreError(
            f"the job store {path} stayed locked by another process ({text}); "
            "try again when that process has finished"
        )
    if "readonly" in lowered or "unable to open" in lowered or "permission" in lowered:
        return ConfigError(
            f"cannot write the job store {path} ({text}); check that output_dir is writable"
        )
    return StoreError(f"the job store {path} failed: {text}")


def guarded(method: F) -> F:
    """Run a store method again while the store is locked (up to its ``lock_wait_s``), and
    turn any other SQLite failure into a one-line :class:`StoreError`."""

    @functools.wraps(method)
    def run(store: Any, /, *args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + store.lock_wait_s
        while True:
            try:
                return method(store, *args, **kwargs)
            except sqlite3.Error as exc:
                if is_locked(exc) and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise store_error(store.path, exc) from None

    return cast(F, run)
