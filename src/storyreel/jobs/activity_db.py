"""Where the activity tables live: beside the job store in its SQLite file (made here), or in
its PostgreSQL database (made by ``storyreel db upgrade``)."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Final

from storyreel.databases import DatabaseUnavailable, without_password
from storyreel.errors import StoryreelError
from storyreel.jobs.sqlite_connect import open_for_reading
from storyreel.quota.sql import PostgresDb, Row, SqlDb, SqliteDb

# After the database could not be reached, how long it is left alone.
REOPEN_AFTER_S: Final = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS operations (
    operation TEXT PRIMARY KEY, model TEXT NOT NULL, resolution TEXT NOT NULL,
    duration_s INTEGER NOT NULL, submitted_at REAL NOT NULL, polls INTEGER NOT NULL DEFAULT 0,
    pending_s REAL, done_s REAL, outcome TEXT
);
CREATE INDEX IF NOT EXISTS operations_by_shape
    ON operations (model, resolution, duration_s, submitted_at);
CREATE TABLE IF NOT EXISTS provider_calls (
    client TEXT NOT NULL, kind TEXT NOT NULL, error TEXT NOT NULL, calls INTEGER NOT NULL,
    PRIMARY KEY (client, kind, error)
);
CREATE TABLE IF NOT EXISTS quota_waits (
    kind TEXT PRIMARY KEY, waits INTEGER NOT NULL, seconds REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS assemblies (at REAL NOT NULL, seconds REAL NOT NULL);
"""


class ActivityDb:
    """The connection to the activity tables at ``where`` (a SQLite job store file, or a
    ``postgresql://`` URL), opened on first need and from any thread.

    A SQLite file is opened only once the job store exists (its tables made then, unless
    ``read_only``). After a database could not be reached, it is not tried again for
    :data:`REOPEN_AFTER_S`: writes run on the event loop's thread, which must not wait out a
    connect timeout for each.
    """

    def __init__(self, where: Path | str, *, read_only: bool, busy_timeout_s: float) -> None:
        self._where = where
        self._read_only = read_only
        self._busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._db: SqlDb | None = None
        self._reopen_at = 0.0

    @property
    def shown(self) -> str:
        """Where the tables are, as it may be shown (no password)."""
        where = self._where
        return str(where) if isinstance(where, Path) else without_password(where)

    @property
    def failures(self) -> tuple[type[BaseException], ...]:
        """What a failed read or write raises (the database busy, unreachable, refusing)."""
        return (sqlite3.Error, OSError, StoryreelError, *(self._db.errors if self._db else ()))

    def rows(self, statement: str, args: tuple[object, ...] = ()) -> list[Row]:
        """Run ``statement``: its rows; none while there is no job store."""
        try:
            with self._lock:
                db = self._connection()
                return [] if db is None else db.rows(statement, args)
        except sqlite3.OperationalError as exc:
            # A store written before these tables existed, opened read only: nothing yet.
            if "no such table" in str(exc):
                return []
            raise

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _connection(self) -> SqlDb | None:
        # Under self._lock.
        where = self._where
        if self._db is not None or (isinstance(where, Path) and not where.is_file()):
            return self._db
        if isinstance(where, str):
            if time.monotonic() < self._reopen_at:
                raise DatabaseUnavailable(f"the job activity at {self.shown} was unreachable")
            self._reopen_at = time.monotonic() + REOPEN_AFTER_S
            self._db = PostgresDb(where, what="the job activity")
        elif self._read_only:
            self._db = SqliteDb(open_for_reading(where, busy_timeout_s=self._busy_timeout_s))
        else:
            db = sqlite3.connect(
                where, timeout=self._busy_timeout_s, isolation_level=None, check_same_thread=False
            )
            db.execute("PRAGMA synchronous = NORMAL")
            db.executescript(_SCHEMA)
            self._db = SqliteDb(db)
        return self._db


__all__ = ["REOPEN_AFTER_S", "ActivityDb"]
