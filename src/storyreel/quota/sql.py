"""One connection to SQLite or PostgreSQL behind the same four calls, so that the budgets and
the job activity state their SQL once: statements are written with ``?`` placeholders and in
the SQL both engines share (``ON CONFLICT``, ``RETURNING``); what differs lives here.

The SQLite side is a file that one ``BEGIN IMMEDIATE`` locks whole. The PostgreSQL side has
no such lock: a transaction names what it decides about (a bucket, the flights), and takes a
transaction-level advisory lock on each name, so that two machines deciding about the same
thing take turns while decisions about other things run side by side.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol

from storyreel.databases import DatabaseUnavailable, postgres_trouble, without_password
from storyreel.db_schema import require_current, storyreel_connection

if TYPE_CHECKING:
    import psycopg

Row = tuple[Any, ...]

# The first key of every advisory lock taken here (the second is the name's hash): two-key
# locks never meet the single-key lock of ``storyreel db upgrade``.
LOCK_SPACE: Final = 0x5155_4F54  # "QUOT"
# After a lost connection fails to come back, calls fail at once for this long instead of
# each waiting out a connect timeout (an activity write runs on the event loop's thread).
RECONNECT_PAUSE_S: Final = 5.0


class SqlDb(Protocol):
    """A connection on which statements with ``?`` placeholders run, from any thread."""

    # The column that numbers rows (SQLite's implicit rowid; PostgreSQL's BIGSERIAL id).
    row_id: str
    # What the connection raises when the database fails (locked, unreachable, disk full).
    errors: tuple[type[BaseException], ...]

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        """Run one statement; the rows it returns (none for most writes)."""

    def transaction(self, *names: str) -> contextlib.AbstractContextManager[None]:
        """Statements run in the block commit together (roll back on error), and no other
        transaction naming any of ``names`` runs at the same time, on any machine."""

    def close(self) -> None: ...


class SqliteDb:
    """An open SQLite connection. ``names`` need no lock of their own: ``BEGIN IMMEDIATE``
    takes the file's write lock before the first read, which covers every name."""

    row_id = "rowid"
    errors: tuple[type[BaseException], ...] = (sqlite3.Error, OSError)

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._lock = threading.RLock()

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        with self._lock:
            return [tuple(row) for row in self._db.execute(sql, tuple(args))]

    @contextlib.contextmanager
    def transaction(self, *names: str) -> Iterator[None]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()


class PostgresDb:
    """A connection to storyreel's schema in the PostgreSQL database at ``url`` (refused
    unless that schema is current). A connection lost between calls is made again; failures
    raise :class:`DatabaseUnavailable` naming the server without its password."""

    row_id = "id"

    def __init__(self, url: str, *, what: str) -> None:
        self._url = url
        self._what = what
        self._lock = threading.RLock()
        self._retry_at = 0.0
        self._db = self._connect()  # psycopg is importable from here on
        import psycopg

        self.errors: tuple[type[BaseException], ...] = (psycopg.Error, DatabaseUnavailable)
        self._operational = psycopg.OperationalError

    def _connect(self) -> psycopg.Connection[Any]:
        db = storyreel_connection(self._url, what=self._what)
        try:
            require_current(db, self._url)
        except BaseException:
            db.close()
            raise
        return db

    def _connection(self) -> psycopg.Connection[Any]:
        # Under self._lock.
        if not (self._db.closed or self._db.broken):
            return self._db
        if time.monotonic() < self._retry_at:
            raise DatabaseUnavailable(
                f"cannot reach {self._what} at {without_password(self._url)}: the connection "
                "was lost and could not be made again moments ago (a retry may help soon)"
            )
        try:
            self._db = self._connect()
        except DatabaseUnavailable:
            self._retry_at = time.monotonic() + RECONNECT_PAUSE_S
            raise
        return self._db

    def rows(self, sql: str, args: Sequence[object] = ()) -> list[Row]:
        # Statements are constants of storyreel's code, none with a literal "?" or "%" in it.
        with self._lock, self._failures():
            cursor = self._connection().execute(sql.replace("?", "%s"), tuple(args))
            return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    @contextlib.contextmanager
    def transaction(self, *names: str) -> Iterator[None]:
        with self._lock, self._failures(), self._connection().transaction():
            for name in sorted(set(names)):  # one order everywhere: no deadlock
                self.rows(
                    "SELECT pg_advisory_xact_lock(?::integer, hashtext(?))", (LOCK_SPACE, name)
                )
            yield

    @contextlib.contextmanager
    def _failures(self) -> Iterator[None]:
        try:
            yield
        except self._operational as exc:
            raise DatabaseUnavailable(postgres_trouble(self._url, exc, what=self._what)) from None

    def close(self) -> None:
        with self._lock:
            self._db.close()


__all__ = ["LOCK_SPACE", "PostgresDb", "Row", "SqlDb", "SqliteDb"]
