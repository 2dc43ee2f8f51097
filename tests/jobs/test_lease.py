"""Leases: a claim is checked by every write made under it; a superseded or expired claim
writes nothing, and a submit that was sent before the loss can still be recorded."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from storyreel.jobs.models import JobStatus, StepStatus, utcnow
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.jobs.store import JobStore, Lease, LeaseLost

from .conftest import StoreOpener
from .test_store import clip, new_job


@pytest.fixture
def store(open_store: StoreOpener) -> JobStore:
    built = open_store()
    built.create(new_job(), [clip(1)])
    return built


def claim(store: JobStore, owner: str, *, ttl_s: float = 60.0) -> Lease:
    job = store.get("job-1")
    claimed = store.claim("job-1", owner, expected_status=job.status, expected_owner=job.owner)
    assert claimed is not None
    return Lease("job-1", owner, claimed.fence, ttl_s)


def age_heartbeat(store: JobStore, seconds: float) -> None:
    store.update("job-1", heartbeat_at=utcnow() - timedelta(seconds=seconds))


def test_lease_each_claim_takes_the_next_fence(store: JobStore) -> None:
    first = claim(store, "a")
    store.update("job-1", status=JobStatus.QUEUED)
    second = claim(store, "b")
    assert second.fence == first.fence + 1


def test_lease_superseded_writes_nothing(store: JobStore) -> None:
    stale = claim(store, "a")
    store.update("job-1", status=JobStatus.QUEUED)
    claim(store, "b")
    with pytest.raises(LeaseLost, match="taken over"):
        store.save_step("job-1", clip(1, status=StepStatus.UNKNOWN), lease=stale)
    with pytest.raises(LeaseLost):
        store.update("job-1", lease=stale, status=JobStatus.SUCCEEDED)
    with pytest.raises(LeaseLost):
        store.renew(stale)
    assert store.steps("job-1")[0].status is StepStatus.PENDING
    assert store.get("job-1").status is JobStatus.RUNNING


def test_lease_expired_writes_nothing_even_if_nobody_took_over(store: JobStore) -> None:
    lease = claim(store, "a", ttl_s=60)
    age_heartbeat(store, 61)
    with pytest.raises(LeaseLost, match="ran out"):
        store.renew(lease)
    with pytest.raises(LeaseLost, match="resume job-1"):
        store.save_step("job-1", clip(1, attempts=1), lease=lease)
    assert store.steps("job-1")[0].attempts == 0


def test_lease_paid_submit_needs_time_in_reserve(store: JobStore) -> None:
    lease = claim(store, "a", ttl_s=60)
    age_heartbeat(store, 40)
    store.save_step("job-1", clip(1, attempts=1), lease=lease)  # an ordinary write: in force
    with pytest.raises(LeaseLost):
        store.save_step("job-1", clip(1, attempts=2), lease=lease, reserve_s=30)
    store.renew(lease)
    store.save_step("job-1", clip(1, attempts=2), lease=lease, reserve_s=30)
    assert store.steps("job-1")[0].attempts == 2


def test_lease_salvage_records_only_an_untouched_write_ahead(store: JobStore) -> None:
    sent = clip(1, status=StepStatus.UNKNOWN, attempts=1, submissions=1)
    store.save_step("job-1", sent)
    outcome = sent.but(status=StepStatus.SUBMITTED, operation="operations/one")
    assert store.salvage_step("job-1", outcome)
    assert store.steps("job-1")[0].operation == "operations/one"
    # Once someone acted on the step (a new attempt), an old outcome is not written over it.
    store.save_step("job-1", sent.but(attempts=2, submissions=2))
    assert not store.salvage_step("job-1", outcome.but(operation="operations/late"))
    assert store.steps("job-1")[0].attempts == 2


def test_lease_write_ahead_sent_before_a_takeover_is_salvaged(store: JobStore) -> None:
    stale = claim(store, "a")
    # The write-ahead of a paid submit, recorded before it is sent.
    sent = clip(1, status=StepStatus.UNKNOWN, attempts=1, submissions=1)
    store.save_step("job-1", sent, lease=stale, reserve_s=30)
    store.update("job-1", status=JobStatus.QUEUED)
    claim(store, "b")  # meanwhile another process takes the job over
    outcome = sent.but(status=StepStatus.SUBMITTED, operation="operations/sent")

    with pytest.raises(LeaseLost):
        store.save_step("job-1", outcome, lease=stale)
    assert store.salvage_step("job-1", outcome)
    step = store.steps("job-1")[0]
    assert (step.status, step.operation, step.submissions) == (
        StepStatus.SUBMITTED,
        "operations/sent",
        1,
    )


def test_lease_store_of_an_earlier_version_gains_the_fence(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, status TEXT NOT NULL, created_at TEXT NOT "
            "NULL, updated_at TEXT NOT NULL, heartbeat_at TEXT, input TEXT NOT NULL, out_dir "
            "TEXT NOT NULL, owner TEXT, cancel_requested INTEGER NOT NULL DEFAULT 0, story TEXT, "
            "usage TEXT NOT NULL, estimated_cost_usd REAL, reasons TEXT NOT NULL, manifest TEXT)"
        )
    store = SqliteJobStore(path)
    try:
        store.create(new_job())
        assert store.get("job-1").fence == 0
    finally:
        store.close()
