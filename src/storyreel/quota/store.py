"""The shared budget: a small SQLite file in the output folder that every process using that
folder on one machine reads and writes in transactions, or the job store's PostgreSQL
database, shared by every worker on every machine."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from storyreel.quota.sql import PostgresDb, SqlDb, SqliteDb
from storyreel.settings import Settings
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
# The name every decision about in-flight slots is serialised on (a bucket's is its name).
_FLIGHTS: Final = "in-flight slots"

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


def budgets_location(settings: Settings) -> Path | str:
    """Where the budgets of ``settings`` live: the job store's PostgreSQL database when
    ``jobs.store_url`` is set (shared by every machine), else a file in the output folder."""
    url = settings.jobs.store_url
    return url.get_secret_value() if url is not None else default_store_path(settings.output_dir)


class BudgetStore:
    """Sliding-window call logs, 429 pauses and in-flight slots per bucket.

    ``where`` is a SQLite file (every process using it on one machine shares it) or the
    ``postgresql://`` URL of the job store's database (every worker on every machine shares
    it). Every decision is one transaction that no other decision about the same bucket (or
    about the flights) overlaps, so two processes never both take the last request of a
    window. Safe to use from several threads.
    """

    def __init__(self, where: Path | str, *, busy_timeout_s: float = 30.0) -> None:
        self._where = where
        self._db: SqlDb
        if isinstance(where, Path):
            self._db = SqliteDb(_open_sqlite(where, busy_timeout_s))
        else:
            self._db = PostgresDb(where, what="the rate-limit budgets")

    @property
    def path(self) -> Path | None:
        """The SQLite file, None when the budgets live in PostgreSQL."""
        return self._where if isinstance(self._where, Path) else None

    def close(self) -> None:
        self._db.close()

    def take(self, bucket: str, limits: Sequence[RateLimit], now: float) -> tuple[float, int]:
        """Record a call in ``bucket`` and return (0, its ticket), or return how long to wait
        first (and 0): while the bucket is paused, or while any of ``limits`` is used up in
        its window. The call counts as made now until :meth:`settle` gives its answer time:
        the provider counts it when it arrives, which may be later than it was sent."""
        db = self._db
        with db.transaction(bucket):
            paused = db.rows("SELECT until FROM pauses WHERE bucket = ?", (bucket,))
            if paused and paused[0][0] > now:
                return float(paused[0][0] - now), 0
            if not limits:
                return 0.0, 0
            longest = max(limit.per_s for limit in limits) * (1 + WINDOW_MARGIN)
            stale = now - PENDING_MAX_S
            db.rows(
                "DELETE FROM calls WHERE bucket = ? AND at <= ? AND (pending = 0 OR at <= ?)",
                (bucket, now - longest, stale),
            )
            wait = 0.0
            for limit in limits:
                window = limit.per_s * (1 + WINDOW_MARGIN)
                # The call that must leave the window before one more fits in it.
                row = db.rows(
                    "SELECT t FROM (SELECT CASE WHEN pending = 1 AND at > ? THEN ? ELSE at END "
                    "AS t FROM calls WHERE bucket = ?) AS c WHERE t > ? ORDER BY t DESC "
                    "LIMIT 1 OFFSET ?",
                    (stale, now, bucket, now - window, limit.requests - 1),
                )
                if row:
                    wait = max(wait, float(row[0][0] + window - now), 1e-3)
            if wait > 0:
                return wait, 0
            # row_id is a constant of the backend (rowid or id), never a value.
            ((ticket,),) = db.rows(
                f"INSERT INTO calls (bucket, at, pending) VALUES (?, ?, 1) RETURNING {db.row_id}",  # noqa: S608
                (bucket, now),
            )
            return 0.0, int(ticket)

    def settle(self, ticket: int, answered_at: float) -> None:
        """The call of ``ticket`` was answered at ``answered_at``: its window runs from then."""
        self._db.rows(
            f"UPDATE calls SET at = ?, pending = 0 WHERE {self._db.row_id} = ?",  # noqa: S608
            (answered_at, ticket),
        )

    def pause(self, bucket: str, until: float) -> None:
        """Hold every call in ``bucket`` until ``until`` (Unix time); a later pause wins."""
        self._db.rows(
            "INSERT INTO pauses (bucket, until) VALUES (?, ?) ON CONFLICT (bucket) "
            "DO UPDATE SET until = excluded.until WHERE pauses.until < excluded.until",
            (bucket, until),
        )

    def take_flight(self, token: str, capacity: int, now: float, ttl_s: float) -> float:
        """Hold one of ``capacity`` slots as ``token`` until ``now + ttl_s`` and return 0, or
        return how long to wait before asking again. Slots of a process that died expire."""
        db = self._db
        with db.transaction(_FLIGHTS):
            db.rows("DELETE FROM flights WHERE expires <= ?", (now,))
            ((held, first),) = db.rows("SELECT count(*), min(expires) FROM flights")
            if held >= capacity:
                return max(min(float(first - now), _FLIGHT_RECHECK_S), 1e-3)
            db.rows(
                "INSERT INTO flights (token, expires) VALUES (?, ?) "
                "ON CONFLICT (token) DO UPDATE SET expires = excluded.expires",
                (token, now + ttl_s),
            )
            return 0.0

    def renew_flight(self, token: str, expires: float) -> None:
        self._db.rows("UPDATE flights SET expires = ? WHERE token = ?", (expires, token))

    def end_flight(self, token: str) -> None:
        self._db.rows("DELETE FROM flights WHERE token = ?", (token,))

    def flights(self, now: float) -> int:
        """Slots held now."""
        ((held,),) = self._db.rows("SELECT count(*) FROM flights WHERE expires > ?", (now,))
        return int(held)

    def set_wait(self, waiter: str, wait: QuotaWait) -> None:
        self._db.rows(
            "INSERT INTO waits (waiter, job_id, step, what, since) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (waiter) DO UPDATE SET job_id = excluded.job_id, "
            "step = excluded.step, what = excluded.what, since = excluded.since",
            (waiter, wait.job_id, wait.step, wait.what, wait.since),
        )

    def clear_wait(self, waiter: str) -> None:
        self._db.rows("DELETE FROM waits WHERE waiter = ?", (waiter,))

    def waits(self, job_id: str | None = None) -> list[QuotaWait]:
        """Who is waiting for budget now (of ``job_id`` only, when given), oldest first."""
        query = "SELECT job_id, step, what, since FROM waits"
        args: tuple[str, ...] = ()
        if job_id is not None:
            query, args = query + " WHERE job_id = ?", (job_id,)
        rows = self._db.rows(query + " ORDER BY since", args)
        return [QuotaWait(job_id=r[0], step=r[1], what=r[2], since=r[3]) for r in rows]


def _open_sqlite(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(
        path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
    )
    db.execute("PRAGMA journal_mode = WAL")
    # A budget, not a record of money spent: a lost last write only costs one wait.
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(_SCHEMA)
    return db


__all__ = [
    "STORE_FILENAME",
    "BudgetStore",
    "QuotaWait",
    "budgets_location",
    "default_store_path",
]
