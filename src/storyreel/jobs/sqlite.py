"""The default job store: one SQLite file in the output folder, shared by threads and processes."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from storyreel.errors import ConfigError, JobError
from storyreel.jobs.models import JobRecord, JobStatus, StepRecord, utcnow
from storyreel.jobs.store import JobStore, check_changes

STORE_FILENAME = "storyreel-jobs.sqlite3"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    heartbeat_at TEXT,
    input TEXT NOT NULL,
    out_dir TEXT NOT NULL,
    owner TEXT,
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

_JOB_COLUMNS = (
    "id, status, created_at, updated_at, heartbeat_at, input, out_dir, owner, "
    "cancel_requested, story, usage, estimated_cost_usd, reasons, manifest"
)
_STEP_COLUMNS = (
    "key, kind, idx, status, operation, artifact, attempts, submissions, error, updated_at"
)
# JSON-encoded job fields.
_JSON_FIELDS = ("input", "story", "usage", "reasons", "manifest")


def _marks(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(", "))


# Queries are built once from the constant column lists above; values always go in as parameters.
_INSERT_JOB = f"INSERT INTO jobs ({_JOB_COLUMNS}) VALUES ({_marks(_JOB_COLUMNS)})"  # noqa: S608
_SELECT_JOBS = f"SELECT {_JOB_COLUMNS} FROM jobs"  # noqa: S608
_SELECT_STEPS = (
    f"SELECT {_STEP_COLUMNS} FROM steps WHERE job_id = ? "  # noqa: S608
    "ORDER BY CASE kind WHEN 'story' THEN 0 WHEN 'clip' THEN 1 ELSE 2 END, idx, key"
)
_STEP_VALUES = f"INTO steps (job_id, {_STEP_COLUMNS}) VALUES (?, {_marks(_STEP_COLUMNS)})"
_REPLACE_STEP = f"INSERT OR REPLACE {_STEP_VALUES}"
_INSERT_NEW_STEP = f"INSERT OR IGNORE {_STEP_VALUES}"


def default_store_path(output_dir: Path) -> Path:
    return output_dir / STORE_FILENAME


class SqliteJobStore(JobStore):
    """A :class:`JobStore` in one SQLite file (WAL mode).

    Each thread gets its own connection; every write runs in a ``BEGIN IMMEDIATE``
    transaction, so several threads and processes can share the file.
    """

    def __init__(self, path: str | Path, *, busy_timeout_s: float = 30.0) -> None:
        self._path = Path(path)
        self._busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._write() as db:
                # executescript() would commit first; run the statements inside this transaction.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (OSError, sqlite3.Error) as exc:
            raise ConfigError(
                f"cannot open the job store {self._path}: {exc}; check that output_dir is writable"
            ) from None

    @classmethod
    def in_output_dir(cls, output_dir: str | Path) -> SqliteJobStore:
        """The store of an output folder: ``<output_dir>/storyreel-jobs.sqlite3``."""
        return cls(default_store_path(Path(output_dir)))

    @property
    def path(self) -> Path:
        return self._path

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            # Each connection serves one thread; close() may run in another, hence the flag.
            db = sqlite3.connect(
                self._path,
                timeout=self._busy_timeout_s,
                isolation_level=None,
                check_same_thread=False,
            )
            db.row_factory = sqlite3.Row
            db.execute("PRAGMA journal_mode = WAL")
            # FULL: a recorded operation name survives a power cut, not only a crash.
            db.execute("PRAGMA synchronous = FULL")
            db.execute("PRAGMA foreign_keys = ON")
            self._local.db = db
            with self._lock:
                self._connections.append(db)
        return db

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for db in connections:
            db.close()
        self._local = threading.local()

    # Jobs.

    def create(self, job: JobRecord, steps: Sequence[StepRecord] = ()) -> None:
        row = _job_row(job)
        with self._write() as db:
            try:
                db.execute(_INSERT_JOB, row)
            except sqlite3.IntegrityError:
                raise JobError(f"job {job.id} already exists") from None
            for step in steps:
                _upsert_step(db, job.id, step)

    def get(self, job_id: str) -> JobRecord:
        found = self._connection().execute(f"{_SELECT_JOBS} WHERE id = ?", (job_id,)).fetchone()
        if found is None:
            raise JobError(f"no job {job_id!r} in {self._path}; `storyreel jobs` lists them")
        return _job_from_row(found)

    def list_jobs(self, *, statuses: Sequence[JobStatus] | None = None) -> list[JobRecord]:
        query = _SELECT_JOBS
        params: list[str] = []
        if statuses is not None:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            params = [status.value for status in statuses]
        rows = self._connection().execute(query + " ORDER BY created_at DESC, id DESC", params)
        return [_job_from_row(row) for row in rows]

    def update(self, job_id: str, **changes: Any) -> JobRecord:
        check_changes(changes)
        with self._write() as db:
            current = db.execute(f"{_SELECT_JOBS} WHERE id = ?", (job_id,)).fetchone()
            if current is None:
                raise JobError(f"no job {job_id!r} in {self._path}")
            # Validate through the model so that the store never holds what it cannot read back.
            job = JobRecord.model_validate(
                {**_job_from_row(current).model_dump(), **changes, "updated_at": utcnow()}
            )
            row = dict(zip(_JOB_COLUMNS.split(", "), _job_row(job), strict=True))
            # The names were checked against UPDATABLE_FIELDS: no caller text reaches the SQL.
            names = [*changes, "updated_at"]
            db.execute(
                f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",  # noqa: S608
                [row[n] for n in names] + [job_id],
            )
        return job

    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        now = utcnow().isoformat()
        with self._write() as db:
            done = db.execute(
                # A cancel request survives a claim: whoever claims sees it and stops.
                "UPDATE jobs SET status = ?, owner = ?, heartbeat_at = ?, updated_at = ? "
                "WHERE id = ? AND status = ? AND owner IS ?",
                (
                    JobStatus.RUNNING.value,
                    owner,
                    now,
                    now,
                    job_id,
                    expected_status.value,
                    expected_owner,
                ),
            )
            claimed = done.rowcount == 1
        return self.get(job_id) if claimed else None

    # Steps.

    def steps(self, job_id: str) -> list[StepRecord]:
        rows = self._connection().execute(_SELECT_STEPS, (job_id,))
        return [_step_from_row(row) for row in rows]

    def save_step(self, job_id: str, step: StepRecord) -> None:
        with self._write() as db:
            _upsert_step(db, job_id, step)

    def add_steps(self, job_id: str, steps: Sequence[StepRecord]) -> None:
        with self._write() as db:
            for step in steps:
                _upsert_step(db, job_id, step, replace=False)


def _job_row(job: JobRecord) -> tuple[Any, ...]:
    data = job.model_dump(mode="json")
    return tuple(
        json.dumps(data[name]) if name in _JSON_FIELDS and data[name] is not None else data[name]
        for name in _JOB_COLUMNS.split(", ")
    )


def _job_from_row(row: sqlite3.Row) -> JobRecord:
    data = {name: row[name] for name in row.keys()}  # noqa: SIM118 (sqlite3.Row)
    for name in _JSON_FIELDS:
        if data[name] is not None:
            data[name] = json.loads(data[name])
    data["cancel_requested"] = bool(data["cancel_requested"])
    return JobRecord.model_validate(data)


def _upsert_step(
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


def _step_from_row(row: sqlite3.Row) -> StepRecord:
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
