"""The default job store: one SQLite file in the output folder, shared by threads and processes."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from storyreel.errors import ConfigError, JobError
from storyreel.files import folder_trouble
from storyreel.jobs.job_rows import (
    INSERT_JOB,
    SELECT_JOBS,
    SELECT_SALVAGE,
    SELECT_STEPS,
    check_lease,
    job_from_row,
    job_row,
    job_update,
    step_from_row,
)
from storyreel.jobs.models import JobRecord, JobStatus, StepRecord, StepStatus, utcnow
from storyreel.jobs.sqlite_connect import open_for_reading, open_for_writing
from storyreel.jobs.sqlite_errors import guarded, store_error
from storyreel.jobs.sqlite_rows import create_schema, lease_row, upsert_step
from storyreel.jobs.store import JobStore, Lease, check_changes

STORE_FILENAME = "storyreel-jobs.sqlite3"


def default_store_path(output_dir: Path) -> Path:
    return output_dir / STORE_FILENAME


class SqliteJobStore(JobStore):
    """A :class:`JobStore` in one SQLite file (WAL mode).

    Each thread gets its own connection; every write runs in a ``BEGIN IMMEDIATE``
    transaction, so several threads and processes can share the file. ``read_only`` opens
    an existing store without ever writing it (listing a folder this process cannot write).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout_s: float = 30.0,
        lock_wait_s: float = 120.0,
        read_only: bool = False,
    ) -> None:
        self._path = Path(path)
        self._read_only = read_only
        self._busy_timeout_s = busy_timeout_s
        self.lock_wait_s = lock_wait_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        if read_only:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            with self._write() as db:
                create_schema(db)
        except OSError as exc:
            why = folder_trouble(self._path.parent, exc)
            raise ConfigError(
                f"cannot open the job store {self._path}: {why} (output_dir)"
            ) from None
        except sqlite3.Error as exc:
            raise store_error(self._path, exc) from None

    @classmethod
    def in_output_dir(cls, output_dir: str | Path) -> SqliteJobStore:
        """The store of an output folder: ``<output_dir>/storyreel-jobs.sqlite3``."""
        return cls(default_store_path(Path(output_dir)))

    @property
    def path(self) -> Path:
        return self._path

    @guarded
    def check(self) -> None:
        found = self._connection().execute("PRAGMA quick_check").fetchone()
        if found is None or found[0] != "ok":
            raise store_error(self._path, sqlite3.DatabaseError(f"malformed: {found and found[0]}"))

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            opener = open_for_reading if self._read_only else open_for_writing
            db = opener(self._path, busy_timeout_s=self._busy_timeout_s)
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
            # SQLite rolls back by itself on some errors (a full disk); keep the real error.
            if db.in_transaction:
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

    @guarded
    def create(self, job: JobRecord, steps: Sequence[StepRecord] = ()) -> None:
        row = job_row(job)
        with self._write() as db:
            try:
                db.execute(INSERT_JOB, row)
            except sqlite3.IntegrityError:
                raise JobError(f"job {job.id} already exists") from None
            for step in steps:
                upsert_step(db, job.id, step)

    @guarded
    def get(self, job_id: str) -> JobRecord:
        found = self._connection().execute(f"{SELECT_JOBS} WHERE id = ?", (job_id,)).fetchone()
        if found is None:
            raise JobError(f"no job {job_id!r} in {self._path}; `storyreel jobs` lists them")
        return job_from_row(found)

    @guarded
    def list_jobs(self, *, statuses: Sequence[JobStatus] | None = None) -> list[JobRecord]:
        query = SELECT_JOBS
        params: list[str] = []
        if statuses is not None:
            query += f" WHERE status IN ({', '.join('?' * len(statuses))})"
            params = [status.value for status in statuses]
        rows = self._connection().execute(query + " ORDER BY created_at DESC, id DESC", params)
        return [job_from_row(row) for row in rows]

    @guarded
    def update(self, job_id: str, *, lease: Lease | None = None, **changes: Any) -> JobRecord:
        check_changes(changes)
        with self._write() as db:
            current = db.execute(f"{SELECT_JOBS} WHERE id = ?", (job_id,)).fetchone()
            if current is None:
                raise JobError(f"no job {job_id!r} in {self._path}")
            job, statement, values = job_update(current, job_id, changes, lease)
            db.execute(statement, values)
        return job

    @guarded
    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        now = utcnow().isoformat()
        with self._write() as db:
            done = db.execute(
                # A cancel request survives a claim: whoever claims sees it and stops.
                "UPDATE jobs SET status = ?, owner = ?, heartbeat_at = ?, updated_at = ?, "
                "fence = fence + 1 WHERE id = ? AND status = ? AND owner IS ?",
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

    @guarded
    def renew(self, lease: Lease) -> None:
        with self._write() as db:
            check_lease(lease, lease_row(db, lease.job_id))
            db.execute(
                "UPDATE jobs SET heartbeat_at = ? WHERE id = ?",
                (utcnow().isoformat(), lease.job_id),
            )

    # Steps.

    @guarded
    def steps(self, job_id: str) -> list[StepRecord]:
        rows = self._connection().execute(SELECT_STEPS, (job_id,))
        return [step_from_row(row) for row in rows]

    @guarded
    def save_step(
        self,
        job_id: str,
        step: StepRecord,
        *,
        lease: Lease | None = None,
        reserve_s: float = 0.0,
    ) -> None:
        with self._write() as db:
            if lease is not None:
                check_lease(lease, lease_row(db, job_id), reserve_s=reserve_s)
            upsert_step(db, job_id, step)

    @guarded
    def salvage_step(self, job_id: str, step: StepRecord) -> bool:
        with self._write() as db:
            found = db.execute(SELECT_SALVAGE, (job_id, step.key)).fetchone()
            untouched = (
                found is not None
                and found["status"] == StepStatus.UNKNOWN.value
                and found["attempts"] == step.attempts
            )
            if untouched:
                upsert_step(db, job_id, step)
        return untouched

    @guarded
    def add_steps(
        self, job_id: str, steps: Sequence[StepRecord], *, lease: Lease | None = None
    ) -> None:
        with self._write() as db:
            if lease is not None:
                check_lease(lease, lease_row(db, job_id))
            for step in steps:
                upsert_step(db, job_id, step, replace=False)
