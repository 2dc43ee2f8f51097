"""The job store in PostgreSQL: one record of jobs and steps for every server and worker on
every machine that names the same database (``jobs.store_url``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from storyreel.databases import without_password
from storyreel.db_schema import require_current
from storyreel.errors import JobError
from storyreel.jobs.job_rows import (
    INSERT_JOB,
    SELECT_JOBS,
    SELECT_SALVAGE,
    SELECT_STEPS,
    Row,
    check_lease,
    job_from_row,
    job_row,
    job_update,
    pyformat,
    step_from_row,
)
from storyreel.jobs.models import JobRecord, JobStatus, StepRecord, StepStatus, utcnow
from storyreel.jobs.postgres_pool import ConnectionPool, guarded
from storyreel.jobs.postgres_rows import (
    CLAIM,
    NEWEST_FIRST,
    SELECT_JOB,
    fetch,
    lease_row,
    notify_changed,
    upsert_step,
)
from storyreel.jobs.store import JobStore, Lease, check_changes

if TYPE_CHECKING:
    import psycopg


class PostgresJobStore(JobStore):
    """A :class:`JobStore` in a PostgreSQL database brought to storyreel's schema by
    ``storyreel db upgrade``.

    Every method is one transaction. Those that check a job's state before writing lock
    its row first (``FOR NO KEY UPDATE``, or ``FOR SHARE`` for step writes, which may run
    side by side but never across a claim), so that a check and its write never interleave
    with another process's. Opening the store fails with
    :class:`~storyreel.databases.DatabaseUnavailable` when the server cannot be reached or
    refuses the login, and with a ConfigError when the schema is not the one this storyreel
    needs. In use, a server out of reach is :class:`~storyreel.jobs.store.StoreUnavailable`
    (or DatabaseUnavailable when no new connection can be made): see ``guarded``.
    """

    def __init__(self, url: str, *, keep_connections: int = 8) -> None:
        self._url = url
        self._pool = ConnectionPool(url, what="the job store", keep=keep_connections)
        try:
            self._require_schema()
        except BaseException:
            self._pool.close()
            raise

    @guarded(retry=False)
    def _require_schema(self) -> None:
        with self._pool.connection() as db:
            require_current(db, self._url)

    @property
    def where(self) -> str:
        """The database's URL as it may be shown."""
        return without_password(self._url)

    @contextmanager
    def _write(self, *, checked: bool = False) -> Iterator[psycopg.Connection[Any]]:
        # ``checked`` for the writes that are never run twice (see guarded).
        with self._pool.connection(checked=checked) as db, db.transaction():
            yield db

    def _read(self, query: str, params: Sequence[Any]) -> list[Row]:
        with self._pool.connection() as db:
            return fetch(db, query, params)

    @guarded(retry=True)
    def check(self) -> None:
        with self._pool.connection() as db:
            require_current(db, self._url)
            db.execute("SELECT count(*) FROM jobs WHERE status = %s", (JobStatus.RUNNING.value,))

    def close(self) -> None:
        self._pool.close()

    # Jobs.

    @guarded(retry=False)
    def create(self, job: JobRecord, steps: Sequence[StepRecord] = ()) -> None:
        from psycopg import errors

        with self._write(checked=True) as db:
            try:
                db.execute(pyformat(INSERT_JOB), job_row(job))
            except errors.UniqueViolation:
                raise JobError(f"job {job.id} already exists") from None
            for step in steps:
                upsert_step(db, job.id, step)
            notify_changed(db, job.id)

    @guarded(retry=True)
    def get(self, job_id: str) -> JobRecord:
        found = self._read(SELECT_JOB, (job_id,))
        if not found:
            raise JobError(
                f"no job {job_id!r} in the job store at {self.where}; `storyreel jobs` lists them"
            )
        return job_from_row(found[0])

    @guarded(retry=True)
    def list_jobs(self, *, statuses: Sequence[JobStatus] | None = None) -> list[JobRecord]:
        if statuses is None:
            rows = self._read(SELECT_JOBS + NEWEST_FIRST, ())
        else:
            wanted = [status.value for status in statuses]
            rows = self._read(f"{SELECT_JOBS} WHERE status = ANY(%s){NEWEST_FIRST}", (wanted,))
        return [job_from_row(row) for row in rows]

    @guarded(retry=True)
    def update(self, job_id: str, *, lease: Lease | None = None, **changes: Any) -> JobRecord:
        check_changes(changes)
        with self._write() as db:
            found = fetch(db, f"{SELECT_JOB} FOR NO KEY UPDATE", (job_id,))
            if not found:
                raise JobError(f"no job {job_id!r} in the job store at {self.where}")
            job, statement, values = job_update(found[0], job_id, changes, lease)
            db.execute(pyformat(statement), values)
            notify_changed(db, job_id)
        return job

    @guarded(retry=False)
    def claim(
        self, job_id: str, owner: str, *, expected_status: JobStatus, expected_owner: str | None
    ) -> JobRecord | None:
        now = utcnow().isoformat()
        with self._write(checked=True) as db:
            # One statement: a second claimant waits for the first one's row lock, then
            # finds the status or owner changed and matches nothing.
            claimed = fetch(
                db,
                CLAIM,
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
            if claimed:
                notify_changed(db, job_id)
        return job_from_row(claimed[0]) if claimed else None

    @guarded(retry=True)
    def renew(self, lease: Lease) -> None:
        with self._write() as db:
            check_lease(lease, lease_row(db, lease.job_id, lock="NO KEY UPDATE", where=self.where))
            db.execute(
                "UPDATE jobs SET heartbeat_at = %s WHERE id = %s",
                (utcnow().isoformat(), lease.job_id),
            )

    # Steps.

    @guarded(retry=True)
    def steps(self, job_id: str) -> list[StepRecord]:
        return [step_from_row(row) for row in self._read(pyformat(SELECT_STEPS), (job_id,))]

    @guarded(retry=True)
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
                held = lease_row(db, job_id, lock="SHARE", where=self.where)
                check_lease(lease, held, reserve_s=reserve_s)
            upsert_step(db, job_id, step)
            notify_changed(db, job_id)

    @guarded(retry=False)
    def salvage_step(self, job_id: str, step: StepRecord) -> bool:
        with self._write(checked=True) as db:
            found = fetch(db, f"{pyformat(SELECT_SALVAGE)} FOR UPDATE", (job_id, step.key))
            untouched = (
                bool(found)
                and found[0]["status"] == StepStatus.UNKNOWN.value
                and found[0]["attempts"] == step.attempts
            )
            if untouched:
                upsert_step(db, job_id, step)
                notify_changed(db, job_id)
        return untouched

    @guarded(retry=True)
    def add_steps(
        self, job_id: str, steps: Sequence[StepRecord], *, lease: Lease | None = None
    ) -> None:
        with self._write() as db:
            if lease is not None:
                check_lease(lease, lease_row(db, job_id, lock="SHARE", where=self.where))
            for step in steps:
                upsert_step(db, job_id, step, replace=False)
            notify_changed(db, job_id)


__all__ = ["PostgresJobStore"]
