"""PostgresJobStore itself: processes on other connections racing for the same jobs, opening
a database that is unreachable, refuses the login or lacks the schema, and failures in use,
each one line that never shows the password."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from typing import Any

import pytest

from storyreel.databases import DatabaseUnavailable
from storyreel.db_schema import storyreel_connection, upgrade
from storyreel.errors import ConfigError, JobError
from storyreel.jobs.models import JobStatus
from storyreel.jobs.postgres import PostgresJobStore
from storyreel.jobs.store import Lease, LeaseLost, StoreError
from storyreel.testing.servers import POSTGRES_PASSWORD, free_port

from .test_store import clip, new_job

JOBS = 24


@pytest.fixture
def url(postgres_url: str) -> str:
    upgrade(postgres_url)
    return postgres_url


def _claim_all(url: str, owner: str, start: Any, results: Any) -> None:
    store = PostgresJobStore(url)
    start.wait()
    won = []
    for n in range(JOBS):
        job_id = f"job-{n:02d}"
        if store.claim(job_id, owner, expected_status=JobStatus.QUEUED, expected_owner=None):
            won.append(job_id)
    store.close()
    results.put((owner, won))


def test_postgres_processes_racing_claim_each_job_exactly_once(url: str) -> None:
    store = PostgresJobStore(url)
    for n in range(JOBS):
        store.create(new_job(f"job-{n:02d}"), [clip(1)])
    context = multiprocessing.get_context("spawn")
    start, results = context.Barrier(2), context.Queue()
    racers = [
        context.Process(target=_claim_all, args=(url, owner, start, results))
        for owner in ("one:1:a", "two:2:b")
    ]
    for racer in racers:
        racer.start()
    won = dict(results.get(timeout=120) for _ in racers)
    for racer in racers:
        racer.join(timeout=60)

    assert [racer.exitcode for racer in racers] == [0, 0]
    claims = Counter(job_id for jobs in won.values() for job_id in jobs)
    assert sorted(claims) == [f"job-{n:02d}" for n in range(JOBS)]
    assert set(claims.values()) == {1}
    for owner, jobs in won.items():
        for job_id in jobs:
            job = store.get(job_id)
            assert (job.owner, job.fence, job.status) == (owner, 1, JobStatus.RUNNING)
    store.close()


def _one_line_without_password(message: str) -> None:
    assert "\n" not in message
    assert POSTGRES_PASSWORD not in message
    assert ":***@127.0.0.1:" in message


def test_postgres_unreachable_server_is_one_line_naming_the_url(url: str) -> None:
    nobody = f"postgresql://storyreel:{POSTGRES_PASSWORD}@127.0.0.1:{free_port()}/jobs"

    with pytest.raises(DatabaseUnavailable) as raised:
        PostgresJobStore(nobody)

    _one_line_without_password(str(raised.value))
    assert "a retry may help" in str(raised.value)


def test_postgres_wrong_password_is_one_line_saying_so(url: str) -> None:
    wrong = url.replace(f":{POSTGRES_PASSWORD}@", ":not-the-password@")

    with pytest.raises(DatabaseUnavailable) as raised:
        PostgresJobStore(wrong)

    assert "not-the-password" not in str(raised.value)
    assert "password is wrong" in str(raised.value)
    _one_line_without_password(str(raised.value).replace("not-the-password", ""))


def test_postgres_database_without_the_schema_asks_for_db_upgrade(postgres_url: str) -> None:
    with pytest.raises(ConfigError, match=r"version 0.*run `storyreel db upgrade`") as raised:
        PostgresJobStore(postgres_url)

    _one_line_without_password(str(raised.value))


def test_postgres_failure_in_use_is_a_one_line_store_error(url: str) -> None:
    store = PostgresJobStore(url)
    store.create(new_job())
    with storyreel_connection(url) as db:
        db.execute("ALTER TABLE steps RENAME TO steps_gone")

    with pytest.raises(StoreError) as raised:
        store.steps("job-1")

    assert "steps" in str(raised.value)
    _one_line_without_password(str(raised.value))
    store.close()


def test_postgres_store_outlives_its_connections_being_dropped(url: str) -> None:
    store = PostgresJobStore(url)
    store.create(new_job())
    store.get("job-1")  # leaves a connection in the pool
    with storyreel_connection(url) as db:  # as a server restart would
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )

    assert store.get("job-1").id == "job-1"
    store.save_step("job-1", clip(1, attempts=1))
    assert store.steps("job-1")[0].attempts == 1
    store.close()


def test_postgres_unknown_job_names_the_database_without_password(url: str) -> None:
    store = PostgresJobStore(url)
    with pytest.raises(JobError, match="no job 'nope'") as raised:
        store.get("nope")
    _one_line_without_password(str(raised.value))
    store.close()


def test_postgres_lease_check_waits_for_a_claim_in_flight(url: str) -> None:
    store = PostgresJobStore(url)
    store.create(new_job(), [clip(1)])
    claimed = store.claim("job-1", "a", expected_status=JobStatus.QUEUED, expected_owner=None)
    assert claimed is not None
    stale = Lease("job-1", "a", claimed.fence, ttl_s=60)
    outcome: list[BaseException | None] = []

    def write_under_the_lease() -> None:
        try:
            store.save_step("job-1", clip(1, attempts=1), lease=stale)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    with storyreel_connection(url) as other, other.transaction():
        # Another process's takeover, not committed yet: it holds the job's row.
        other.execute("UPDATE jobs SET owner = 'b', fence = fence + 1 WHERE id = 'job-1'")
        writer = threading.Thread(target=write_under_the_lease)
        writer.start()
        writer.join(timeout=1.0)
        assert writer.is_alive()  # the check waits for the takeover to end
    writer.join(timeout=30)

    assert len(outcome) == 1
    assert isinstance(outcome[0], LeaseLost)
    assert store.steps("job-1")[0].attempts == 0
    store.close()
