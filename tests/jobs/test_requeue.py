"""A cancelled job has its own status and resumes; a job put back in the queue before a
resume; a job with nothing left to resume says so."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyreel.errors import JobError
from storyreel.jobs.models import JobStatus, StepStatus, this_process, utcnow
from storyreel.jobs.resuming import NothingToResume, requeue
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore

from .fakes import FakeMedia


async def test_requeue_cancelled_job_is_cancelled_then_queued_then_resumed(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=2)
    cancelled = runner.cancel(job.id)
    assert cancelled.status is JobStatus.CANCELLED
    assert cancelled.final
    assert (cancelled.manifest or {})["status"] == "cancelled"

    queued = runner.requeue(job.id)

    assert queued.status is JobStatus.QUEUED
    assert store.get(job.id).status is JobStatus.QUEUED
    assert (queued.cancel_requested, queued.reasons, queued.owner) == (False, [], this_process())
    manifest = await runner.resume(job.id)
    assert manifest.status == "succeeded"
    assert len(media.submits) == 2


async def test_requeue_reads_a_cancel_stored_as_failed_by_an_older_version(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=1)
    # What stores written before the cancelled status hold for a cancelled job.
    store.update(job.id, status=JobStatus.FAILED, reasons=["job: cancelled"])

    assert runner.list_jobs()[0].status is JobStatus.FAILED
    assert runner.requeue(job.id).status is JobStatus.QUEUED
    assert (await runner.resume(job.id)).status == "succeeded"
    assert len(media.submits) == 1


async def test_requeue_refuses_a_succeeded_or_running_job(
    runner: JobRunner, store: JobStore
) -> None:
    job = runner.create("a storm", segments=1)
    await runner.run(job.id)

    with pytest.raises(NothingToResume, match="has already succeeded; there is nothing to resume"):
        runner.requeue(job.id)
    assert store.get(job.id).status is JobStatus.SUCCEEDED

    store.update(job.id, status=JobStatus.RUNNING, owner=this_process(), heartbeat_at=utcnow())
    with pytest.raises(JobError, match="is running in process"):
        runner.requeue(job.id)
    assert store.get(job.id).status is JobStatus.RUNNING


async def test_requeue_a_succeeded_job_with_a_missing_clip_is_resumable(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=2)
    await runner.run(job.id)
    clip = next(step for step in store.steps(job.id) if step.key == "clip-02")
    (Path(job.out_dir) / str(clip.artifact)).unlink()

    assert runner.requeue(job.id).status is JobStatus.QUEUED
    step = next(step for step in store.steps(job.id) if step.key == "clip-02")
    assert step.status is StepStatus.SUBMITTED
    assert (await runner.resume(job.id)).status == "succeeded"
    assert len(media.submits) == 2  # collected again, not paid again


def test_requeue_loses_to_a_process_that_claimed_the_job_first(
    runner: JobRunner, store: JobStore
) -> None:
    job = runner.create("a storm", segments=1)
    store.claim(job.id, "elsewhere:1:local-x", expected_status=job.status, expected_owner=job.owner)

    with pytest.raises(JobError, match="was just started by another process"):
        requeue(store, job, this_process(), lease_s=60)
    assert store.get(job.id).status is JobStatus.RUNNING
