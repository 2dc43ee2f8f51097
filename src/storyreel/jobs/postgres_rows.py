"""The PostgreSQL job store's statements: the shared rows (job_rows) in psycopg's
placeholders, with the row locks and notifications that PostgreSQL adds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

from storyreel.errors import JobError
from storyreel.jobs.job_rows import (
    INSERT_NEW_STEP,
    JOB_COLUMNS,
    REPLACE_STEP,
    SELECT_JOBS,
    SELECT_LEASE,
    Row,
    pyformat,
    step_values,
)
from storyreel.jobs.models import StepRecord
from storyreel.jobs.pg_changes import CHANNEL

if TYPE_CHECKING:
    import psycopg

# Times are ISO-8601 text, compared byte by byte as SQLite does, whatever the database's
# collation.
NEWEST_FIRST: Final = ' ORDER BY created_at COLLATE "C" DESC, id COLLATE "C" DESC'
SELECT_JOB: Final = pyformat(f"{SELECT_JOBS} WHERE id = ?")
CLAIM: Final = pyformat(
    # A cancel request survives a claim: whoever claims sees it and stops.
    "UPDATE jobs SET status = ?, owner = ?, heartbeat_at = ?, updated_at = ?, "  # noqa: S608
    "fence = fence + 1 WHERE id = ? AND status = ? AND owner IS NOT DISTINCT FROM ? "
    f"RETURNING {JOB_COLUMNS}"
)


def fetch(db: psycopg.Connection[Any], query: str, params: Sequence[Any]) -> list[Row]:
    """The rows of ``query``, each read by column name."""
    from psycopg.rows import dict_row

    with db.cursor(row_factory=dict_row) as cursor:
        return list(cursor.execute(query, params).fetchall())


def lease_row(db: psycopg.Connection[Any], job_id: str, *, lock: str, where: str) -> Row:
    """The owner, fence and heartbeat of a job, its row locked until the transaction ends
    (``lock``: NO KEY UPDATE to write the job, SHARE to write its steps), so that no claim
    can come between a check and its write."""
    found = fetch(db, f"{pyformat(SELECT_LEASE)} FOR {lock}", (job_id,))
    if not found:
        raise JobError(f"no job {job_id!r} in the job store at {where}")
    return found[0]


def upsert_step(
    db: psycopg.Connection[Any], job_id: str, step: StepRecord, *, replace: bool = True
) -> None:
    from psycopg import errors

    query = REPLACE_STEP if replace else INSERT_NEW_STEP
    try:
        db.execute(pyformat(query), step_values(job_id, step))
    except errors.ForeignKeyViolation:
        raise JobError(f"no job {job_id!r} for step {step.key}") from None


def notify_changed(db: psycopg.Connection[Any], job_id: str) -> None:
    """Tell other processes' watchers (pg_changes) that ``job_id`` changed: delivered when,
    and only if, the transaction commits."""
    db.execute("SELECT pg_notify(%s, %s)", (CHANNEL, job_id))
