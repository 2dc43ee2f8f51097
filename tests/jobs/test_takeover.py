"""A job taken over after its owner's lease ran out: the old owner, waking up, submits
nothing more and writes nothing more; every submit that may have been billed is counted."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from storyreel.jobs.models import JobStatus, utcnow
from storyreel.jobs.store import JobStore, LeaseLost
from storyreel.settings import Settings

from .conftest import job_settings, make_runner
from .fakes import FakeMedia, FakeWriter


@pytest.fixture
def settings(tmp_output: Path) -> Settings:
    return job_settings(tmp_output, concurrency=1)


async def test_takeover_stale_owner_stops_without_paying_again(
    store: JobStore, settings: Settings
) -> None:
    stalled = FakeMedia(submit_s=0.5)  # its first submit is in flight when it loses the job
    first = make_runner(store, FakeWriter(), stalled, settings, owner="a-host:11:local-1")
    job = first.create("two kites", segments=2)
    running = asyncio.ensure_future(first.run(job.id))
    while not stalled.submits:
        await asyncio.sleep(0.01)

    # As if the first process had been suspended past its lease: another one takes over.
    store.update(job.id, heartbeat_at=utcnow() - timedelta(seconds=120))
    fresh = FakeMedia()
    second = make_runner(store, FakeWriter(), fresh, settings, owner="b-host:22:local-2")
    taken = await second.resume(job.id)

    with pytest.raises(LeaseLost, match="taken over"):
        await running
    assert len(stalled.submits) == 1  # clip 2 was never submitted by the stale owner
    assert [label for label, _ in fresh.submits] == ["segment 01", "segment 02"]
    assert taken.status == "succeeded"
    # The stale submit (its write-ahead) is counted with the new owner's two.
    assert taken.video_submissions == len(stalled.submits) + len(fresh.submits)
    final = store.get(job.id)
    assert final.status is JobStatus.SUCCEEDED
    assert final.owner == "b-host:22:local-2"
