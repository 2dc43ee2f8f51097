"""Jobs and steps as table rows, the same for every SQL backend: the columns, the queries
(written with ``?`` placeholders; :func:`pyformat` turns them into psycopg's ``%s``), and
records to and from rows (times as ISO-8601 text, structured fields as JSON text)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from storyreel.jobs.models import JobRecord, StepRecord, utcnow
from storyreel.jobs.store import Lease


class Row(Protocol):
    """A row read by name: ``sqlite3.Row`` or a psycopg ``dict_row``."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str, /) -> Any: ...


JOB_COLUMNS = (
    "id, status, created_at, updated_at, heartbeat_at, input, out_dir, owner, fence, "
    "cancel_requested, story, usage, estimated_cost_usd, reasons, manifest"
)
STEP_COLUMNS = (
    "key, kind, idx, status, operation, artifact, attempts, submissions, error, updated_at"
)
# JSON-encoded job fields.
_JSON_FIELDS = ("input", "story", "usage", "reasons", "manifest")


def _marks(columns: str) -> str:
    return ", ".join("?" for _ in columns.split(", "))


def pyformat(query: str) -> str:
    """``query`` with psycopg's placeholders: none of these queries holds a literal ``?``
    or ``%``."""
    return query.replace("?", "%s")


# Queries are built once from the constant column lists above; values always go in as parameters.
INSERT_JOB = f"INSERT INTO jobs ({JOB_COLUMNS}) VALUES ({_marks(JOB_COLUMNS)})"  # noqa: S608
SELECT_JOBS = f"SELECT {JOB_COLUMNS} FROM jobs"  # noqa: S608
SELECT_STEPS = (
    f"SELECT {STEP_COLUMNS} FROM steps WHERE job_id = ? "  # noqa: S608
    "ORDER BY CASE kind WHEN 'story' THEN 0 WHEN 'clip' THEN 1 WHEN 'voice' THEN 2 "
    "WHEN 'thumbnail' THEN 3 ELSE 4 END, idx, key"
)
_STEP_VALUES = f"INTO steps (job_id, {STEP_COLUMNS}) VALUES (?, {_marks(STEP_COLUMNS)})"
_STEP_UPDATES = ", ".join(f"{name} = excluded.{name}" for name in STEP_COLUMNS.split(", ")[1:])
# ON CONFLICT reads the same in SQLite (3.24 and later) and PostgreSQL.
REPLACE_STEP = f"INSERT {_STEP_VALUES} ON CONFLICT (job_id, key) DO UPDATE SET {_STEP_UPDATES}"
INSERT_NEW_STEP = f"INSERT {_STEP_VALUES} ON CONFLICT (job_id, key) DO NOTHING"
SELECT_LEASE = "SELECT owner, fence, heartbeat_at FROM jobs WHERE id = ?"
SELECT_SALVAGE = "SELECT status, attempts FROM steps WHERE job_id = ? AND key = ?"


def job_row(job: JobRecord) -> tuple[Any, ...]:
    data = job.model_dump(mode="json")
    # An INTEGER column in both databases; PostgreSQL takes no boolean for it.
    data["cancel_requested"] = int(data["cancel_requested"])
    return tuple(
        json.dumps(data[name]) if name in _JSON_FIELDS and data[name] is not None else data[name]
        for name in JOB_COLUMNS.split(", ")
    )


def job_from_row(row: Row) -> JobRecord:
    data = {name: row[name] for name in row.keys()}  # noqa: SIM118 (sqlite3.Row)
    for name in _JSON_FIELDS:
        if data[name] is not None:
            data[name] = json.loads(data[name])
    data["cancel_requested"] = bool(data["cancel_requested"])
    return JobRecord.model_validate(data)


def update_values(job: JobRecord, names: Iterable[str]) -> list[Any]:
    """The row values of ``job``'s fields ``names``, in that order."""
    row = dict(zip(JOB_COLUMNS.split(", "), job_row(job), strict=True))
    return [row[name] for name in names]


def job_update(
    current: Row, job_id: str, changes: dict[str, Any], lease: Lease | None
) -> tuple[JobRecord, str, list[Any]]:
    """``changes`` applied to the job row ``current`` (read under the caller's write lock):
    the job as it will be, and the ``UPDATE`` (``?`` placeholders) with its values. Under
    ``lease``, only while it is in force (else :class:`LeaseLost`)."""
    if lease is not None:
        check_lease(lease, current)
    # Validate through the model so that the store never holds what it cannot read back.
    job = JobRecord.model_validate(
        {**job_from_row(current).model_dump(), **changes, "updated_at": utcnow()}
    )
    # The names were checked against UPDATABLE_FIELDS: no caller text reaches the SQL.
    names = [*changes, "updated_at"]
    statement = f"UPDATE jobs SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?"  # noqa: S608
    return job, statement, [*update_values(job, names), job_id]


def step_values(job_id: str, step: StepRecord) -> tuple[Any, ...]:
    """The parameters of :data:`REPLACE_STEP` and :data:`INSERT_NEW_STEP`."""
    return (
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


def step_from_row(row: Row) -> StepRecord:
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


def check_lease(lease: Lease, row: Row, *, reserve_s: float = 0.0) -> None:
    """Raise LeaseLost unless ``row`` (owner, fence, heartbeat_at) shows ``lease`` in force."""
    beat = row["heartbeat_at"]
    lease.check(
        row["owner"],
        row["fence"],
        datetime.fromisoformat(beat) if beat else None,
        reserve_s=reserve_s,
    )
