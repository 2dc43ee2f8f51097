"""The store's bell: every write that changes what a watcher shows rings it, from any thread
and on either backend; a lease renewal does not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from storyreel.jobs.changes import ChangeBell, SignallingJobStore
from storyreel.jobs.models import JobInput, JobRecord, JobStatus, StepKind, StepRecord
from storyreel.jobs.store import Lease

from .conftest import StoreOpener


async def test_changes_writes_ring_the_bell_from_another_thread(
    open_store: StoreOpener, tmp_path: Path
) -> None:
    store = SignallingJobStore(open_store())
    rung = store.changes.listen("job-1")
    other = store.changes.listen("job-2")
    job = JobRecord(id="job-1", input=JobInput(idea="a kite"), out_dir=str(tmp_path))
    step = StepRecord(key="clip-01", kind=StepKind.CLIP, index=1)
    try:
        writes = [
            lambda: store.create(job, [step]),
            lambda: store.save_step("job-1", step.but(attempts=1)),
            lambda: store.add_steps(
                "job-1", [StepRecord(key="thumbnail", kind=StepKind.THUMBNAIL)]
            ),
            lambda: store.update("job-1", estimated_cost_usd=1.5),
            lambda: store.claim(
                "job-1", "me", expected_status=JobStatus.QUEUED, expected_owner=None
            ),
        ]
        for write in writes:
            rung.clear()
            await asyncio.to_thread(write)
            await asyncio.wait_for(rung.wait(), 10)

        claimed = store.get("job-1")
        rung.clear()
        await asyncio.to_thread(store.renew, Lease("job-1", "me", claimed.fence, ttl_s=60))
        await asyncio.sleep(0)
        assert not rung.is_set()  # a heartbeat changes nothing a watcher shows
        assert not other.is_set()
    finally:
        store.changes.forget("job-1", rung)
        store.changes.forget("job-2", other)
        store.close()


async def test_changes_a_forgotten_listener_is_not_woken() -> None:
    bell = ChangeBell()
    kept, dropped = bell.listen("job"), bell.listen("job")

    bell.forget("job", dropped)
    bell.ring("job")
    await asyncio.sleep(0)

    assert kept.is_set()
    assert not dropped.is_set()
