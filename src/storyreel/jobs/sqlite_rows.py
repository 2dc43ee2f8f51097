"""The SQLite job store's schema, its queries, and rows to and from records."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from storyreel.errors import JobError
from storyreel.jobs.models import JobRecord, StepRecord
from storyreel.jobs.store import Lease

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

JOB_COLUMNS = (
    "id, status, created_at, updated_at, heartbeat_at, input, out_dir, owner, fence, "
    "cancel_requested, story, usage, estimated_cost_usd, reasons, manifest"
)
_STEP_COLUMNS = (
    "key, kind, idx, status, operation, artifact, attempts, submissions, error, updated_at"
)
# JSON-encoded job fields.
_JSON_FIELDS = ("input", "story", "usage", "reasons", "manifest")


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


def _marks(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(", "))


# Queries are built once from the constant column lists above; values always go in as parameters.
INSERT_JOB = f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({_marks(JOB_COLUMNS)})"  # noqa: S608
SELECT_JOBS = f"SELECT {JOB_COLUMNS} FROM jobs"  # noqa: S608
SELECT_STEPS = (
    f"SELECT {_STEP_COLUMNS} FROM steps WHERE job_id = ? "  # noqa: S608
    "ORDER BY CASE kind WHEN 'story' THEN 0 WHEN 'clip' THEN 1 WHEN 'voice' THEN 2 "
    "WHEN 'thumbnail' THEN 3 ELSE 4 END, idx, key"
)
_STEP_VALUES = f"INTO steps (job_id, {_STEP_COLUMNS}) VALUES (?, {_marks(_STEP_COLUMNS)})"
_REPLACE_STEP = f"INSERT OR REPLACE {_STEP_VALUES}"
_INSERT_NEW_STEP = f"INSERT OR IGNORE {_STEP_VALUES}"


def job_row(job: JobRecord) -> tuple[Any, ...]:
    data = job.model_dump(mode="json")
    return tuple(
        json.dumps(data[name]) if name in _JSON_FIELDS and data[name] is not None else data[name]
        for name in JOB_COLUMNS.split(", ")
    )


def job_from_row(row: sqlite3.Row) -> JobRecord:
    data = {name: row[name] for name in row.keys()}  # noqa: SIM118 (sqlite3.Row)
    for name in _JSON_FIELDS:
        if data[name] is not None:
            data[name] = json.loads(data[name])
    data["cancel_requested"] = bool(data["cancel_requested"])
    return JobRecord.model_validate(data)


def upsert_step(
    db: sqlite3.Connection, job_id: str, step: StepRecord, *, replace: bool = True
) -> None:
    values = (
        job_id,
        step.key,
        step.kind.value,
        step.index,
        step.status.value,
        step.operation,
        step.artifact,
        step.attempts,
        step.submissions,
        step.error,
        step.updated_at.isoformat(),
    )
    try:
        db.execute(_REPLACE_STEP if replace else _INSERT_NEW_STEP, values)
    except sqlite3.IntegrityError:
        raise JobError(f"no job {job_id!r} for step {step.key}") from None


def step_from_row(row: sqlite3.Row) -> StepRecord:
    return StepRecord(
        key=row["key"],
        kind=row["kind"],
        index=row["idx"],
        status=row["status"],
        operation=row["operation"],
        artifact=row["artifact"],
        attempts=row["attempts"],
        submissions=row["submissions"],
        error=row["error"],
        updated_at=datetime.fromisoformat(row["updated_at"]),
    )


def lease_row(db: sqlite3.Connection, job_id: str) -> sqlite3.Row:
    """The owner, fence and heartbeat of a job."""
    row: sqlite3.Row | None = db.execute(
        "SELECT owner, fence, heartbeat_at FROM jobs WHERE id = ?", (job_id,)
    ).fetchone()
    if row is None:
        raise JobError(f"no job {job_id!r} in the store")
    return row


def check_lease(lease: Lease, row: sqlite3.Row, *, reserve_s: float = 0.0) -> None:
    """Raise LeaseLost unless ``row`` (owner, fence, heartbeat_at) shows ``lease`` in force."""
    beat = row["heartbeat_at"]
    lease.check(
        row["owner"],
        row["fence"],
        datetime.fromisoformat(beat) if beat else None,
        reserve_s=reserve_s,
    )
