"""A job whose store goes out of reach mid-run (its server restarting, failing over): the
outage is no outcome of the job. It stops unfinished, stays resumable, and a resume once
the store is back finishes it without paying again for what was submitted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from storyreel.databases import DatabaseUnavailable
from storyreel.jobs.manifest import MANIFEST_FILENAME
from storyreel.jobs.models import JobStatus, StepRecord, StepStatus, utcnow
from storyreel.jobs.store import JobStore, StoreUnavailable

from .conftest import make_runner
from .fakes import FakeMedia, FakeWriter

SEGMENTS = 2


def fail_once(store: JobStore, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """The first save of a clip that succeeded raises ``error``, as a store does whose
    server went away; the calls after it reach the store again."""
    save_step = store.save_step
    failed: list[StepRecord] = []

    def flaky(job_id: str, step: StepRecord, **kw: Any) -> None:
        if step.status is StepStatus.SUCCEEDED and step.index and not failed:
            failed.append(step)
            raise error
        save_step(job_id, step, **kw)

    monkeypatch.setattr(store, "save_step", flaky)


@pytest.mark.parametrize(
    "error",
    [
        StoreUnavailable("cannot reach the job store at postgresql://db/jobs: terminating"),
        DatabaseUnavailable("cannot reach the job store at postgresql://db/jobs: refused"),
    ],
    ids=["connection-lost", "server-down"],
)
async def test_store_outage_mid_run_leaves_the_job_resumable_not_failed(
    store: JobStore,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
) -> None:
    media = FakeMedia()
    first = make_runner(store, FakeWriter(), media, settings, owner="a-host:11:worker-1")
    job = first.create("two kites", segments=SEGMENTS)
    fail_once(store, monkeypatch, error)

    with pytest.raises(type(error)):
        await first.run(job.id)

    stopped = store.get(job.id)
    assert stopped.status is JobStatus.RUNNING  # not failed, not partial: unfinished
    assert stopped.owner == "a-host:11:worker-1"
    assert stopped.manifest is None
    assert not (Path(job.out_dir) / MANIFEST_FILENAME).exists()
    submitted = len(media.submits)
    assert 1 <= submitted <= SEGMENTS

    # Its lease runs out with nobody renewing it; then another process resumes it.
    monkeypatch.undo()
    store.update(job.id, heartbeat_at=utcnow() - timedelta(seconds=120))
    again = FakeMedia()
    second = make_runner(store, FakeWriter(), again, settings, owner="b-host:22:worker-2")
    done = await second.resume(job.id)

    assert done.status == "succeeded"
    assert store.get(job.id).status is JobStatus.SUCCEEDED
    # What the first run submitted was polled again, never paid for twice.
    assert len(media.submits) + len(again.submits) == SEGMENTS
    assert done.video_submissions == SEGMENTS
