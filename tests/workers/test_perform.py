"""A worker's action runs only while it is due: a duplicate, a late copy, a job held by a live
process or already finished is one log line and no paid call."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys

import pytest
from workers_support import submissions

from storyreel.containers import Container
from storyreel.jobs.models import JobStatus, this_process
from storyreel.workers import JobAction, Outcome, perform
from storyreel.workers.perform import due
from storyreel.workers.rescan import WORKER_ROLE

SEGMENTS = 2


def dead_owner() -> str:
    """The owner string of a worker process on this machine that has exited (and was reaped)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    host, _, role = this_process(WORKER_ROLE).split(":")
    return f"{host}:{done.stdout.strip()}:{role}"


async def run_action(container: Container, action: JobAction, owner: str) -> Outcome:
    runner, reels = container.job_runner(owner=owner), container.reel_jobs(owner=owner)
    lease_s = container.config().jobs.lease_s
    return (await perform(action, runner, reels, owner=owner, lease_s=lease_s)).outcome


def test_perform_action_payload_round_trips() -> None:
    action = JobAction(
        kind="reshoot", job_id="20261203-000000-abcdef", fence=3, index=2, prompt="p"
    )
    assert JobAction.from_payload(action.payload()) == action
    assert action.payload() == {
        "kind": "reshoot",
        "job_id": "20261203-000000-abcdef",
        "fence": 3,
        "index": 2,
        "prompt": "p",
    }


async def test_perform_duplicate_task_exits_without_paying(
    container: Container, caplog: pytest.LogCaptureFixture
) -> None:
    owner = this_process(WORKER_ROLE)
    job = container.job_runner().create("a paper boat", segments=SEGMENTS)
    action = JobAction(kind="run", job_id=job.id, fence=job.fence)

    assert await run_action(container, action, owner) is Outcome.DONE
    paid = submissions(container)
    with caplog.at_level(logging.INFO, logger="storyreel.workers"):
        again = await run_action(container, action, owner)

    assert again is Outcome.FINISHED
    assert paid == SEGMENTS
    assert submissions(container) == paid
    assert container.job_runner().get(job.id).job.status is JobStatus.SUCCEEDED
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("storyreel.workers")]
    assert lines == [
        f"run of job {job.id}: the job has already finished (succeeded); nothing to do"
    ]


async def test_perform_two_copies_at_once_run_the_job_once(container: Container) -> None:
    job = container.job_runner().create("a paper boat", segments=SEGMENTS)
    action = JobAction(kind="run", job_id=job.id, fence=job.fence)

    outcomes = await asyncio.gather(
        run_action(container, action, this_process(WORKER_ROLE)),
        run_action(container, action, "elsewhere:4242:worker-0badcafe"),
    )

    # The second copy either loses the claim's compare-and-set (taken) or, reading the job
    # after the first claimed it, finds the fence moved (held): either way it runs nothing.
    assert outcomes.count(Outcome.DONE) == 1
    assert {o for o in outcomes if o is not Outcome.DONE} <= {Outcome.TAKEN, Outcome.HELD}
    assert submissions(container) == SEGMENTS


async def test_perform_job_held_under_a_live_lease_exits(container: Container) -> None:
    store = container.job_store()
    job = container.job_runner().create("a paper boat", segments=SEGMENTS)
    holder = "another-machine:77:worker-12345678"  # its heartbeat is fresh: it is alive
    held = store.claim(job.id, holder, expected_status=JobStatus.QUEUED, expected_owner=job.owner)
    assert held is not None

    outcome = await run_action(
        container,
        JobAction(kind="resume", job_id=job.id, fence=job.fence),
        this_process(WORKER_ROLE),
    )

    assert outcome is Outcome.HELD
    assert submissions(container) == 0
    assert store.get(job.id).owner == holder
    assert store.get(job.id).fence == held.fence


async def test_perform_takes_over_a_job_whose_worker_died(container: Container) -> None:
    store = container.job_store()
    job = container.job_runner().create("a paper boat", segments=SEGMENTS)
    gone = dead_owner()
    claimed = store.claim(job.id, gone, expected_status=JobStatus.QUEUED, expected_owner=job.owner)
    assert claimed is not None
    me = this_process(WORKER_ROLE)

    outcome = await run_action(container, JobAction(kind="run", job_id=job.id), me)

    assert outcome is Outcome.DONE
    assert store.get(job.id).status is JobStatus.SUCCEEDED
    assert store.get(job.id).owner == me
    assert submissions(container) == SEGMENTS


def test_perform_due_decides_from_the_store_alone(container: Container) -> None:
    job = container.job_runner().create("a paper boat", segments=SEGMENTS)
    action = JobAction(kind="run", job_id=job.id, fence=job.fence)
    assert due(action, job, lease_s=60)[0] is action
    later = job.model_copy(update={"fence": job.fence + 2})
    todo, why = due(action, later, lease_s=60)
    assert todo is None  # queued again since, by a live owner, for a newer request
    assert "newer request" in why
    finished = job.model_copy(update={"status": JobStatus.PARTIAL, "fence": 1})
    assert due(action, finished, lease_s=60) == (None, "the job has already finished (partial)")
