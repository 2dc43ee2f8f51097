"""Resume semantics, step by step, and finding jobs a crashed process left behind."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest

from storyreel.errors import JobError
from storyreel.jobs.machine import this_machine
from storyreel.jobs.models import (
    JobStatus,
    StepKind,
    StepRecord,
    StepStatus,
    clip_path,
    clip_step_key,
    this_process,
    utcnow,
)
from storyreel.jobs.prices import video_usd
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings

from .conftest import job_settings, make_runner
from .fakes import FAKE_MP4, FakeMedia, FakeWriter, make_story


def _dead_pid() -> int:
    """A pid that no process has (the highest possible, checked)."""
    pid = 4_194_000
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


# A process of this machine that is gone: what a crash leaves as the owner.
DEAD_OWNER = f"{this_machine()}:{_dead_pid()}:local-0000"


def crashed_job(runner: JobRunner, store: JobStore, states: list[StepStatus]) -> str:
    """A job whose story is written and whose clips are in ``states``, as a crash leaves it."""
    job = runner.create_from_story(make_story(len(states)))
    folder = Path(job.out_dir)
    for index, status in enumerate(states, start=1):
        step = StepRecord(key=clip_step_key(index), kind=StepKind.CLIP, index=index, status=status)
        if status is not StepStatus.PENDING:
            step = step.but(attempts=1, submissions=1, operation=f"old/op-{index}")
        if status is StepStatus.UNKNOWN:
            step = step.but(operation=None, error="connection dropped")
        if status is StepStatus.SUCCEEDED:
            (folder / "clips").mkdir(exist_ok=True)
            (folder / clip_path(index)).write_bytes(FAKE_MP4)
            step = step.but(artifact=clip_path(index))
        if status is StepStatus.FAILED:
            step = step.but(error="blocked by safety filters")
        store.save_step(job.id, step)
    store.update(job.id, status=JobStatus.RUNNING, owner=DEAD_OWNER, heartbeat_at=utcnow())
    return job.id


async def test_resume_handles_each_step_state(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    states = [
        StepStatus.SUCCEEDED,
        StepStatus.SUBMITTED,
        StepStatus.PENDING,
        StepStatus.UNKNOWN,
        StepStatus.FAILED,
    ]
    job_id = crashed_job(runner, store, states)

    manifest = await runner.resume(job_id)

    # Succeeded: untouched. Submitted: re-polled, never resubmitted. Pending: submitted.
    # Unknown: resubmitted (video.resubmit_on_unknown). Failed after Google took it: kept.
    assert sorted(label for label, _ in media.submits) == ["segment 03", "segment 04"]
    assert ("segment 02", "old/op-2") in media.waits
    assert {label for label, _ in media.waits} == {"segment 02", "segment 03", "segment 04"}
    assert [c.status for c in manifest.clips] == [
        "succeeded",
        "succeeded",
        "succeeded",
        "succeeded",
        "failed",
    ]
    assert manifest.status == "partial"
    # 4 earlier submissions (one per started step) + 2 new ones.
    assert manifest.video_submissions == 6
    assert store.get(job_id).owner == this_process()


async def test_resume_leaves_unknown_steps_when_resubmit_is_off(
    store: JobStore, writer: FakeWriter, media: FakeMedia, tmp_output: Path
) -> None:
    runner = make_runner(store, writer, media, job_settings(tmp_output, resubmit_on_unknown=False))
    job_id = crashed_job(runner, store, [StepStatus.UNKNOWN, StepStatus.PENDING])

    manifest = await runner.resume(job_id)

    assert [label for label, _ in media.submits] == ["segment 02"]
    assert manifest.clips[0].status == "unknown"
    assert "resubmit_on_unknown is false" in (manifest.clips[0].error or "")
    assert manifest.video_submissions == 2


async def test_resume_never_rewrites_a_saved_story(
    store: JobStore, writer: FakeWriter, settings: Settings
) -> None:
    media = FakeMedia(latency_s=30)
    runner = make_runner(store, writer, media, settings)
    job = runner.create("a storm", segments=2)
    running = asyncio.ensure_future(runner.run(job.id))
    while len(media.waits) < 2:
        await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    story = store.get(job.id).story

    media.latency_s = 0
    manifest = await runner.resume(job.id)

    assert len(writer.calls) == 1
    assert store.get(job.id).story == story
    assert manifest.status == "succeeded"
    assert len(media.submits) == 2


async def test_resume_of_a_failed_story_writes_it(
    store: JobStore, media: FakeMedia, settings: Settings
) -> None:
    writer = FakeWriter(error=JobError("down"))
    runner = make_runner(store, writer, media, settings)
    job = runner.create("a storm", segments=1)
    assert (await runner.run(job.id)).status == "failed"

    writer.error = None
    manifest = await runner.resume(job.id)

    assert manifest.status == "succeeded"
    assert len(writer.calls) == 2


async def test_resume_refuses_a_job_running_in_a_live_process(
    runner: JobRunner, store: JobStore
) -> None:
    job = runner.create("a storm", segments=1)
    store.update(job.id, status=JobStatus.RUNNING, owner=this_process(), heartbeat_at=utcnow())

    with pytest.raises(JobError, match="is running in process"):
        await runner.resume(job.id)


async def test_resume_unknown_job_is_a_job_error(runner: JobRunner) -> None:
    with pytest.raises(JobError, match="no job 'missing'"):
        await runner.resume("missing")


def test_orphaned_finds_jobs_of_gone_processes(runner: JobRunner, store: JobStore) -> None:
    live = runner.create("live", segments=1)
    store.update(live.id, status=JobStatus.RUNNING, owner=this_process(), heartbeat_at=utcnow())
    queued_here = runner.create("queued here", segments=1)
    dead_pid = runner.create("dead pid", segments=1)
    store.update(
        dead_pid.id,
        status=JobStatus.RUNNING,
        owner=DEAD_OWNER,
        heartbeat_at=utcnow(),
    )
    stale = runner.create("stale elsewhere", segments=1)
    store.update(
        stale.id,
        status=JobStatus.RUNNING,
        owner="other-host:5",
        heartbeat_at=utcnow() - timedelta(minutes=5),
    )
    done = runner.create("done", segments=1)
    store.update(done.id, status=JobStatus.SUCCEEDED, owner=DEAD_OWNER)

    found = {job.id for job in runner.orphaned()}

    assert found == {dead_pid.id, stale.id}
    assert queued_here.id not in found


def test_remaining_cost_counts_only_what_would_be_submitted(
    runner: JobRunner, store: JobStore, settings: Settings
) -> None:
    states = [StepStatus.SUCCEEDED, StepStatus.SUBMITTED, StepStatus.PENDING, StepStatus.UNKNOWN]
    job_id = crashed_job(runner, store, states)

    estimate = runner.remaining_cost(job_id)

    price = video_usd(settings, 1)
    assert price is not None
    assert estimate.seconds == 8  # two clips of 4 s: the pending one and the unknown one
    assert estimate.images == 1  # the thumbnail, not made yet
    assert estimate.usd == pytest.approx(8 * price + settings.google.price_per_image_usd)


def test_owner_alive_knows_this_process_and_a_recycled_pid() -> None:
    from storyreel.jobs.models import JobInput, JobRecord

    base = JobRecord(
        id="job-1", input=JobInput(idea="x"), out_dir="/tmp/x", status=JobStatus.RUNNING
    )
    ours = base.model_copy(update={"owner": this_process(), "heartbeat_at": utcnow()})
    assert ours.owner_alive(stale_after_s=60)
    # PID 1 in a restarted container: same host and pid, another process identity.
    host_and_pid = this_process().rsplit(":", 1)[0]
    recycled = base.model_copy(
        update={"owner": f"{host_and_pid}:server-dead0000", "heartbeat_at": utcnow()}
    )
    assert not recycled.owner_alive(stale_after_s=60)


def test_check_resumable_says_why_a_job_cannot_be_resumed_now(
    runner: JobRunner, store: JobStore
) -> None:
    job = runner.create("a storm", segments=1)
    assert runner.check_resumable(job.id).id == job.id
    with pytest.raises(JobError, match="is running in this process; wait for it or cancel it"):
        runner.check_resumable(job.id, running_here=True)

    store.update(job.id, status=JobStatus.RUNNING, owner=this_process(), heartbeat_at=utcnow())
    with pytest.raises(JobError, match=r"is running in process .+; wait for it or cancel it"):
        runner.check_resumable(job.id)

    store.update(job.id, status=JobStatus.RUNNING, owner=DEAD_OWNER)
    assert runner.check_resumable(job.id).owner == DEAD_OWNER

    store.update(job.id, status=JobStatus.SUCCEEDED)
    with pytest.raises(JobError, match="has already succeeded; there is nothing to resume"):
        runner.check_resumable(job.id)
    with pytest.raises(JobError, match="no job 'missing'"):
        runner.check_resumable("missing")


async def test_resume_of_a_succeeded_job_submits_nothing_and_returns_its_manifest(
    runner: JobRunner, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=2)
    first = await runner.run(job.id)

    again = await runner.resume(job.id)

    assert again.status == first.status == "succeeded"
    assert again.clips == first.clips
    assert len(media.submits) == 2
