"""The shared budget: a small SQLite file in the output folder that every process using that
folder on one machine reads and writes in transactions."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from storyreel.settings_quota import RateLimit

STORE_FILENAME: Final = "storyreel-quota.sqlite3"
# A call is recorded at send time and seen by the provider a little later; keeping this
# share of the window in reserve stops two calls that were a window apart here from landing
# inside one window there.
WINDOW_MARGIN: Final = 0.02
# When a process waiting for a free slot may look again, at the latest.
_FLIGHT_RECHECK_S: Final = 0.25
# A call not answered yet counts as made "now" (the provider may see it at any moment until
# its answer) for at most this long; beyond, its sender is taken for dead.
PENDING_MAX_S: Final = 600.0

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS calls (
    bucket TEXT NOT NULL, at REAL NOT NULL, pending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS calls_by_bucket ON calls (bucket, at);
CREATE TABLE IF NOT EXISTS pauses (bucket TEXT PRIMARY KEY, until REAL NOT NULL);
CREATE TABLE IF NOT EXISTS flights (token TEXT PRIMARY KEY, expires REAL NOT NULL);
CREATE TABLE IF NOT EXISTS waits (
    waiter TEXT PRIMARY KEY, job_id TEXT, step TEXT, what TEXT NOT NULL, since REAL NOT NULL
);
"""


@dataclass(frozen=True)
class QuotaWait:
    """Someone waiting for budget: ``what`` (e.g. "waiting for Veo quota") since ``since``
    (Unix time), for the step ``step`` of job ``job_id`` when known."""

    job_id: str | None
    step: str | None
    what: str
    since: float


def default_store_path(output_dir: Path) -> Path:
    return output_dir / STORE_FILENAME


class BudgetStore:
    """Sliding-window call logs, 429 pauses and in-flight slots per bucket, in one file.

    Every decision is one ``BEGIN IMMEDIATE`` transaction, so two processes never both take
    the last request of a window. Safe to use from several threads.
    """

    def __init__(self, path: Path, *, busy_timeout_s: float = 30.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
        self._db.execute("PRAGMA journal_mode = WAL")
        # A budget, not a record of money spent: a lost last write only costs one wait.
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._db.executescript(_SCHEMA)

    @property
    def path(self) -> Path:
        return self._path

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def take(self, bucket: str, limits: Sequence[RateLimit], now: float) -> tuple[float, int]:
        """Record a call in ``bucket`` and return (0, its ticket), or return how long to wait
        first (and 0): while the bucket is paused, or while any of ``limits`` is used up in
        its window. The call counts as made now until :meth:`settle` gives its answer time:
        the provider counts it when it arrives, which may be later than it was sent."""
        with self._lock, self._transaction():
            paused = self._db.execute(
                "SELECT until FROM pauses WHERE bucket = ?", (bucket,)
            ).fetchone()
            if paused is not None and paused[0] > now:
                return float(paused[0] - now), 0
            if not limits:
                return 0.0, 0
            longest = max(limit.per_s for limit in limits) * (1 + WINDOW_MARGIN)
            stale = now - PENDING_MAX_S
            self._db.execute(
                "DELETE FROM calls WHERE bucket = ? AND at <= ? AND (pending = 0 OR at <= ?)",
                (bucket, now - longest, stale),
            )
            wait = 0.0
            for limit in limits:
                window = limit.per_s * (1 + WINDOW_MARGIN)
                # The call that must leave the window before one more fits in it.
                row = self._db.execute(
                    "SELECT t FROM (SELECT CASE WHEN pending = 1 AND at > ? THEN ? ELSE at END "
                    "AS t FROM calls WHERE bucket = ?) WHERE t > ? ORDER BY t DESC "
                    "LIMIT 1 OFFSET ?",
                    (stale, now, bucket, now - window, limit.requests - 1),
                ).fetchone()
                if row is not None:
                    wait = max(wait, float(row[0] + window - now), 1e-3)
            if wait > 0:
                return wait, 0
            cursor = self._db.execute(
                "INSERT INTO calls (bucket, at, pending) VALUES (?, ?, 1)", (bucket, now)
            )
            return 0.0, int(cursor.lastrowid or 0)

    def settle(self, ticket: int, answered_at: float) -> None:
        """The call of ``ticket`` was answered at ``answered_at``: its window runs from then."""
        with self._lock, self._transaction():
            self._db.execute(
                "UPDATE calls SET at = ?, pending = 0 WHERE rowid = ?", (answered_at, ticket)
            )

    def pause(self, bucket: str, until: float) -> None:
        """Hold every call in ``bucket`` until ``until`` (Unix time); a later pause wins."""
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT INTO pauses (bucket, until) VALUES (?, ?) ON CONFLICT (bucket) "
                "DO UPDATE SET until = max(until, excluded.until)",
                (bucket, until),
            )

    def take_flight(self, token: str, capacity: int, now: float, ttl_s: float) -> float:
        """Hold one of ``capacity`` slots as ``token`` until ``now + ttl_s`` and return 0, or
        return how long to wait before asking again. Slots of a process that died expire."""
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM flights WHERE expires <= ?", (now,))
            (held,) = self._db.execute("SELECT count(*) FROM flights").fetchone()
            if held >= capacity:
                (first,) = self._db.execute("SELECT min(expires) FROM flights").fetchone()
                return max(min(float(first - now), _FLIGHT_RECHECK_S), 1e-3)
            self._db.execute(
                "INSERT OR REPLACE INTO flights (token, expires) VALUES (?, ?)",
                (token, now + ttl_s),
            )
            return 0.0

    def renew_flight(self, token: str, expires: float) -> None:
        with self._lock, self._transaction():
            self._db.execute("UPDATE flights SET expires = ? WHERE token = ?", (expires, token))

    def end_flight(self, token: str) -> None:
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM flights WHERE token = ?", (token,))

    def flights(self, now: float) -> int:
        """Slots held now."""
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM flights WHERE expires > ?", (now,)
            ).fetchone()
            return int(row[0])

    def set_wait(self, waiter: str, wait: QuotaWait) -> None:
        with self._lock, self._transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO waits (waiter, job_id, step, what, since) "
                "VALUES (?, ?, ?, ?, ?)",
                (waiter, wait.job_id, wait.step, wait.what, wait.since),
            )

    def clear_wait(self, waiter: str) -> None:
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM waits WHERE waiter = ?", (waiter,))

    def waits(self, job_id: str | None = None) -> list[QuotaWait]:
        """Who is waiting for budget now (of ``job_id`` only, when given), oldest first."""
        query = "SELECT job_id, step, what, since FROM waits"
        args: tuple[str, ...] = ()
        if job_id is not None:
            query, args = query + " WHERE job_id = ?", (job_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY since", args).fetchall()
        return [QuotaWait(job_id=r[0], step=r[1], what=r[2], since=r[3]) for r in rows]

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT`` (``ROLLBACK`` on error): the write lock is taken
    before the first read, so a decision never rests on a row another process is changing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self._db.execute("COMMIT" if exc is None else "ROLLBACK")


__all__ = ["STORE_FILENAME", "BudgetStore", "QuotaWait", "default_store_path"]
