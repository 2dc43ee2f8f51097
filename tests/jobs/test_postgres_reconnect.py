"""PostgresJobStore after its server dropped every connection (a restart, a failover, a proxy
ending idle sessions): the next call of every kind succeeds on a new connection, and a
write that cannot be run twice is never run twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest

from storyreel.db_schema import storyreel_connection, upgrade
from storyreel.jobs.models import JobStatus, StepStatus
from storyreel.jobs.postgres import PostgresJobStore
from storyreel.jobs.store import Lease, StoreUnavailable

from .test_store import clip, new_job

POOLED = 4
OWNER = "here:1:worker-a"


@pytest.fixture
def url(postgres_url: str) -> str:
    upgrade(postgres_url)
    return postgres_url


def others(url: str) -> list[int]:
    """The server processes of the other connections to this test's database."""
    with storyreel_connection(url) as db:
        rows = db.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
    return [pid for (pid,) in rows]


def drop_every_connection(url: str) -> None:
    """End every other session on the database, as a server restart does, and wait until
    they are gone."""
    with storyreel_connection(url) as db:
        db.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    deadline = time.monotonic() + 10
    while others(url):
        assert time.monotonic() < deadline, "the sessions outlived pg_terminate_backend"
        time.sleep(0.02)


def fill_pool(store: PostgresJobStore) -> None:
    """Leave ``POOLED`` idle connections in the store's pool (as concurrent calls do)."""
    with ExitStack() as held:
        for _ in range(POOLED):
            held.enter_context(store._pool.connection())


def running(store: PostgresJobStore, job_id: str) -> Lease:
    claimed = store.claim(job_id, OWNER, expected_status=JobStatus.QUEUED, expected_owner=None)
    assert claimed is not None
    return Lease(job_id, OWNER, claimed.fence, 60.0)


def call_get(store: PostgresJobStore) -> None:
    assert store.get("job-1").status is JobStatus.QUEUED


def call_list(store: PostgresJobStore) -> None:
    assert [job.id for job in store.list_jobs(statuses=[JobStatus.QUEUED])] == ["job-1"]


def call_claim(store: PostgresJobStore) -> None:
    lease = running(store, "job-1")
    assert (store.get("job-1").owner, lease.fence) == (OWNER, 1)


def call_create(store: PostgresJobStore) -> None:
    store.create(new_job("job-2"), [clip(1)])
    assert store.get("job-2").status is JobStatus.QUEUED


def call_save_step(store: PostgresJobStore, lease: Lease) -> None:
    store.save_step("job-1", clip(1, status=StepStatus.SUBMITTED, operation="op-1"), lease=lease)
    assert store.steps("job-1")[0].operation == "op-1"


def call_update(store: PostgresJobStore, lease: Lease) -> None:
    store.update("job-1", lease=lease, reasons=["still going"])
    assert store.get("job-1").reasons == ["still going"]


def call_renew(store: PostgresJobStore, lease: Lease) -> None:
    before = store.get("job-1").heartbeat_at
    store.renew(lease)
    assert store.get("job-1").heartbeat_at != before


CALLS: dict[str, Callable[[PostgresJobStore], None]] = {
    "get": call_get,
    "list_jobs": call_list,
    "claim": call_claim,
    "create": call_create,
}
LEASED: dict[str, Callable[[PostgresJobStore, Lease], None]] = {
    "save_step": call_save_step,
    "update": call_update,
    "renew": call_renew,
}


@pytest.mark.parametrize("name", [*CALLS, *LEASED])
def test_postgres_reconnect_every_pooled_connection_dropped_then_each_call_succeeds(
    url: str, name: str
) -> None:
    store = PostgresJobStore(url)
    store.create(new_job("job-1"), [clip(1)])
    lease = running(store, "job-1") if name in LEASED else None
    fill_pool(store)
    assert len(others(url)) == POOLED
    drop_every_connection(url)

    if lease is None:
        CALLS[name](store)
    else:
        LEASED[name](store, lease)

    # The dead connections were all let go: only new ones are open now.
    assert 1 <= len(others(url)) <= 2
    store.close()


def test_postgres_reconnect_outage_after_outage_is_survived(url: str) -> None:
    store = PostgresJobStore(url)
    store.create(new_job("job-1"), [clip(1)])
    for _ in range(3):
        fill_pool(store)
        drop_every_connection(url)
        assert store.get("job-1").id == "job-1"
        fill_pool(store)
        drop_every_connection(url)
        taken = store.claim(
            "job-1", OWNER, expected_status=JobStatus.QUEUED, expected_owner="someone-else"
        )
        assert taken is None
    assert store.get("job-1").fence == 0
    store.close()


def cut_off_mid_call(url: str, run: Callable[[], Any]) -> Any:
    """Run ``run`` in a thread while another session holds job-1's row lock, then end every
    other session, the one ``run`` waits in too (the server going away mid-call); what
    ``run`` returned or raised."""
    outcome: list[Any] = []

    def call() -> None:
        try:
            outcome.append(run())
        except Exception as exc:
            outcome.append(exc)

    with storyreel_connection(url) as holder, holder.transaction():
        holder.execute("SELECT 1 FROM jobs WHERE id = 'job-1' FOR UPDATE")
        thread = threading.Thread(target=call)
        thread.start()
        deadline = time.monotonic() + 10
        while True:
            waiting = holder.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'"
            ).fetchall()
            if waiting:
                break
            assert time.monotonic() < deadline, "the call never waited for the row lock"
            time.sleep(0.02)
        # Every session but this one ends, the waiting call's among them, as in a failover.
        holder.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        time.sleep(0.2)  # the retried call, if any, waits for the lock again
    thread.join(timeout=10)
    assert not thread.is_alive()
    return outcome[0]


def test_postgres_reconnect_claim_cut_off_mid_call_is_not_run_again(url: str) -> None:
    store = PostgresJobStore(url)
    store.create(new_job("job-1"), [clip(1)])

    outcome = cut_off_mid_call(
        url,
        lambda: store.claim("job-1", OWNER, expected_status=JobStatus.QUEUED, expected_owner=None),
    )

    # Said as an outage (a caller may try again later), and not claimed behind its back.
    assert isinstance(outcome, StoreUnavailable), outcome
    assert "a retry may help" in str(outcome)
    assert outcome.exit_code == 69
    job = store.get("job-1")
    assert (job.status, job.owner, job.fence) == (JobStatus.QUEUED, None, 0)
    store.close()


def test_postgres_reconnect_update_cut_off_mid_call_runs_again_on_a_new_connection(
    url: str,
) -> None:
    store = PostgresJobStore(url)
    store.create(new_job("job-1"), [clip(1)])
    fill_pool(store)

    outcome = cut_off_mid_call(url, lambda: store.update("job-1", reasons=["written once"]))

    assert not isinstance(outcome, Exception), outcome
    assert store.get("job-1").reasons == ["written once"]
    store.close()
