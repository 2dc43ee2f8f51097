"""Opening the SQLite job store: for writing (WAL, durable commits) or for reading only."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def open_for_writing(path: Path, *, busy_timeout_s: float) -> sqlite3.Connection:
    # Each connection serves one thread; close() may run in another, hence the flag.
    db = sqlite3.connect(
        path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
    )
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode = WAL")
    # FULL: a recorded operation name survives a power cut, not only a crash.
    db.execute("PRAGMA synchronous = FULL")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def open_for_reading(path: Path, *, busy_timeout_s: float) -> sqlite3.Connection:
    """A connection that never writes the file or its folder. A WAL store in a folder this
    process cannot write is readable only while its ``-wal``/``-shm`` files exist (another
    process has it open); otherwise it is read as a snapshot (``immutable``)."""
    uri = path.resolve().as_uri()
    try:
        return _probe(f"{uri}?mode=ro", busy_timeout_s)
    except sqlite3.OperationalError:
        return _probe(f"{uri}?mode=ro&immutable=1", busy_timeout_s)


def _probe(uri: str, busy_timeout_s: float) -> sqlite3.Connection:
    db = sqlite3.connect(
        uri, uri=True, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
    )
    db.row_factory = sqlite3.Row
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        db.close()
        raise
    return db
