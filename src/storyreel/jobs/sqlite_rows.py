"""The SQLite job store's schema and its step writes (the rows themselves: job_rows)."""

from __future__ import annotations

import sqlite3

from storyreel.errors import JobError
from storyreel.jobs.job_rows import (
    INSERT_NEW_STEP,
    REPLACE_STEP,
    SELECT_LEASE,
    step_values,
)
from storyreel.jobs.models import StepRecord

SCHEMA_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    heartbeat_at TEXT,
    input TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    owner TEXT,
    fence INTEGER NOT NULL DEFAULT 0,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    story TEXT,
    usage TEXT NOT NULL,
    estimated_cost_usd REAL,
    reasons TEXT NOT NULL,
    manifest TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status);
CREATE TABLE IF NOT EXISTS steps (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    kind TEXT NOT NULL,
    idx INTEGER,
    status TEXT NOT NULL,
    operation TEXT,
    artifact TEXT,
    attempts INTEGER NOT NULL,
    submissions INTEGER NOT NULL,
    error TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (job_id, key)
);
"""

# Columns added after version 1, for stores made before them.
MIGRATIONS = {"fence": "ALTER TABLE jobs ADD COLUMN fence INTEGER NOT NULL DEFAULT 0"}


def create_schema(db: sqlite3.Connection) -> None:
    """Create (or bring up to date) the tables, inside the caller's transaction."""
    # executescript() would commit first; run the statements one by one instead.
    for statement in SCHEMA.split(";"):
        if statement.strip():
            db.execute(statement)
    columns = {row[1] for row in db.execute("PRAGMA table_info(jobs)")}
    for column, statement in MIGRATIONS.items():
        if column not in columns:
            db.execute(statement)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def upsert_step(
    db: sqlite3.Connection, job_id: str, step: StepRecord, *, replace: bool = True
) -> None:
    try:
        db.execute(REPLACE_STEP if replace else INSERT_NEW_STEP, step_values(job_id, step))
    except sqlite3.IntegrityError:
        raise JobError(f"no job {job_id!r} for step {step.key}") from None


def lease_row(db: sqlite3.Connection, job_id: str) -> sqlite3.Row:
    """The owner, fence and heartbeat of a job."""
    row: sqlite3.Row | None = db.execute(SELECT_LEASE, (job_id,)).fetchone()
    if row is None:
        raise JobError(f"no job {job_id!r} in the store")
    return row
