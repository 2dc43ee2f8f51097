"""JobRunner with a real store and Cinematographer over fakes: create, run, record, cancel."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from storyreel.domain.story import Character
from storyreel.errors import ContentBlockedError, InputError, JobError, ProviderError
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.costs import CostEstimate
from storyreel.jobs.models import JobStatus, StepStatus
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore
from storyreel.services.google.media import SubmitOutcomeUnknown
from storyreel.settings import Settings

from .conftest import StoreOpener, job_settings, make_runner
from .fakes import FakeMedia, FakeWriter, make_story


async def test_runner_run_makes_every_file_and_records_the_job(
    runner: JobRunner, store: JobStore, writer: FakeWriter, media: FakeMedia
) -> None:
    cast = [Character(name="Ada", description="a keeper in a yellow oilskin")]
    job = runner.create("a keeper and a storm", segments=3, style="ink", characters=cast)

    manifest = await runner.run(job.id)

    folder = Path(job.out_dir)
    assert manifest.status == "succeeded"
    assert manifest.job_id == job.id
    assert sorted(p.name for p in (folder / "clips").iterdir()) == [
        "segment-01.mp4",
        "segment-02.mp4",
        "segment-03.mp4",
    ]
    assert (folder / "thumbnail.png").exists()
    assert json.loads((folder / "manifest.json").read_text()) == manifest.to_json()
    assert json.loads((folder / "story.json").read_text())["title"] == manifest.title
    assert writer.calls[0]["characters"] == cast
    assert writer.calls[0]["style"] == "ink"
    # Durations are fixed up front so that the estimate printed before starting is exact.
    assert writer.calls[0]["duration_seconds"] == 8
    saved = store.get(job.id)
    assert saved.status is JobStatus.SUCCEEDED
    assert saved.manifest == manifest.to_json()
    assert saved.usage.prompt_tokens == 100
    assert manifest.usage.completion_tokens == 50
    # What OpenRouter charged for the story, as its replies reported it.
    assert manifest.usage.cost_usd == pytest.approx(0.0021)
    assert manifest.video_submissions == 3
    assert {s.status for s in store.steps(job.id)} == {StepStatus.SUCCEEDED}


async def test_runner_records_operation_before_polling(
    runner: JobRunner, open_store: StoreOpener, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=2)
    elsewhere = open_store()  # what another process reads
    seen: list[tuple[str, str | None, StepStatus]] = []

    def check(label: str, operation: str) -> None:
        key = "clip-" + label.split()[-1]
        step = {s.key: s for s in elsewhere.steps(job.id)}[key]
        seen.append((operation, step.operation, step.status))

    media.before_wait = check
    await runner.run(job.id)

    assert len(seen) == 2
    for operation, recorded, status in seen:
        assert recorded == operation
        assert status is StepStatus.SUBMITTED


async def test_runner_one_blocked_segment_is_partial(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    media.wait_errors["segment 02"] = [
        ContentBlockedError("segment 02 was blocked", provider="google", reasons=["Violence"])
    ]
    job = runner.create("a storm", segments=3)

    manifest = await runner.run(job.id)

    assert manifest.status == "partial"
    assert [c.status for c in manifest.clips] == ["succeeded", "failed", "succeeded"]
    assert "Violence" in (manifest.clips[1].error or "")
    assert manifest.failures[0].step == "clip-02"
    assert store.get(job.id).status is JobStatus.PARTIAL
    assert "Violence" in store.get(job.id).reasons[0]
    assert not (Path(job.out_dir) / "clips" / "segment-02.mp4").exists()


async def test_runner_story_failure_fails_the_job(
    store: JobStore, media: FakeMedia, settings: Settings
) -> None:
    writer = FakeWriter(error=ProviderError("OpenRouter is down", provider="openrouter"))
    runner = make_runner(store, writer, media, settings)
    job = runner.create("a storm", segments=2)

    manifest = await runner.run(job.id)

    assert manifest.status == "failed"
    assert manifest.failures[0].step == "story"
    assert "OpenRouter is down" in manifest.failures[0].reason
    assert media.submits == []
    assert store.get(job.id).status is JobStatus.FAILED


async def test_runner_unknown_submit_is_resubmitted_and_counted(
    runner: JobRunner, media: FakeMedia
) -> None:
    media.submit_errors["segment 01"] = [SubmitOutcomeUnknown("dropped", provider="google")]
    job = runner.create("a storm", segments=2)

    manifest = await runner.run(job.id)

    assert manifest.status == "succeeded"
    assert [label for label, _ in media.submits].count("segment 01") == 2
    assert manifest.video_submissions == 3


async def test_runner_unknown_submit_kept_when_resubmit_is_off(
    store: JobStore, writer: FakeWriter, media: FakeMedia, tmp_output: Path
) -> None:
    settings = job_settings(tmp_output, resubmit_on_unknown=False)
    runner = make_runner(store, writer, media, settings)
    media.submit_errors["segment 01"] = [SubmitOutcomeUnknown("dropped", provider="google")]
    job = runner.create("a storm", segments=2)

    manifest = await runner.run(job.id)

    assert manifest.status == "partial"
    assert manifest.clips[0].status == "unknown"
    assert manifest.video_submissions == 2
    assert len(media.submits) == 2


async def test_runner_refused_submit_is_not_counted_and_stays_pending(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    media.submit_errors["segment 02"] = [
        ProviderError("quota", provider="google", status=429, retryable=True)
    ]
    job = runner.create("a storm", segments=2)

    manifest = await runner.run(job.id)

    step = {s.key: s for s in store.steps(job.id)}["clip-02"]
    assert (step.status, step.submissions, step.attempts) == (StepStatus.PENDING, 0, 1)
    assert manifest.status == "partial"
    assert manifest.video_submissions == 1
    assert "quota" in (manifest.clips[1].error or "")


async def test_runner_refusal_retried_by_media_is_not_counted_during_the_wait(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=1)
    media.refusals["segment 01"] = 2
    during: list[tuple[StepStatus, int]] = []

    def look(label: str) -> None:
        step = next(s for s in store.steps(job.id) if s.key == "clip-01")
        during.append((step.status, step.submissions))

    media.during_refusal = look
    manifest = await runner.run(job.id)

    # A crash during a Retry-After wait must not leave a submit that was refused counted as
    # possibly billed: the clip is pending with nothing counted while it waits.
    assert during == [(StepStatus.PENDING, 0), (StepStatus.PENDING, 0)]
    clip = next(s for s in store.steps(job.id) if s.key == "clip-01")
    assert (clip.status, clip.submissions, clip.attempts) == (StepStatus.SUCCEEDED, 1, 3)
    assert manifest.video_submissions == 1


async def test_runner_cancel_requested_before_the_claim_is_honoured(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    job = runner.create("a storm", segments=2)
    # DELETE sets the flag while a background task is about to claim the queued job.
    store.update(job.id, cancel_requested=True)

    manifest = await runner.run(job.id)

    assert media.submits == []
    assert manifest.video_submissions == 0
    assert any("cancelled" in failure.reason for failure in manifest.failures)
    assert store.get(job.id).status is JobStatus.CANCELLED


async def test_runner_cancel_seen_before_a_submit_ends_the_job_as_cancelled(
    store: JobStore, writer: FakeWriter, tmp_output: Path
) -> None:
    settings = job_settings(tmp_output, concurrency=1)
    media = FakeMedia()
    # A long watch interval: the clips, not the watcher, are the ones to notice the cancel.
    runner = JobRunner(
        store, writer, Cinematographer(media, settings), settings, watch_interval_s=60
    )
    job = runner.create("a storm", segments=3)
    media.before_wait = lambda label, operation: store.update(job.id, cancel_requested=True)

    manifest = await runner.run(job.id)

    assert len(media.submits) == 1
    assert manifest.status == "cancelled"
    assert ("job", "cancelled") in [(f.step, f.reason) for f in manifest.failures]


def test_runner_create_rejects_bad_input(runner: JobRunner, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="segments must be a whole number from 1 to 20, got 0"):
        runner.create("a storm", segments=0)
    with pytest.raises(InputError, match="from 1 to 20, got 21"):
        runner.create("a storm", segments=21)
    with pytest.raises(InputError, match="empty"):
        runner.create("   ")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match="cannot write to the output folder"):
        runner.create("a storm", out_dir=blocker / "out")
    assert runner.list_jobs() == []


def test_runner_create_checks_characters_and_duration_once_for_every_caller(
    runner: JobRunner,
) -> None:
    cast = [Character(name=f"C{n}", description="d") for n in range(11)]
    with pytest.raises(InputError, match="give at most 10 characters, got 11"):
        runner.create("a storm", characters=cast)
    with pytest.raises(InputError, match="duration_seconds must be 4, 6 or 8, got 5"):
        runner.create("a storm", duration_seconds=5)
    job = runner.create("a storm", characters=cast[:10])
    assert len(job.input.characters) == 10


def test_runner_create_asks_approval_of_the_cost_after_the_checks(
    runner: JobRunner, tmp_path: Path
) -> None:
    seen: list[CostEstimate] = []

    def refuse(cost: CostEstimate) -> None:
        seen.append(cost)
        raise InputError("not today")

    with pytest.raises(InputError, match="segments"):
        runner.create("a storm", segments=0, approve=refuse)
    assert seen == []
    with pytest.raises(InputError, match="not today"):
        runner.create(
            "a storm", segments=3, duration_seconds=6, out_dir=tmp_path / "out", approve=refuse
        )
    assert [cost.seconds for cost in seen] == [18]
    assert runner.list_jobs() == []
    assert not (tmp_path / "out").exists()

    job = runner.create("a storm", segments=3, approve=seen.append)
    assert seen[-1].seconds == 3 * 8
    assert job.estimated_cost_usd == seen[-1].usd


async def test_runner_ready_story_clips_carry_characters_named_by_first_name_only(
    runner: JobRunner, media: FakeMedia
) -> None:
    mia = Character(name="Mia Chen", description="a girl in a blue hoodie")
    story = make_story(2, characters=[mia], prompts=["Mia flies a kite.", "Gulls on the dunes."])
    job = runner.create_from_story(story)

    await runner.run(job.id)

    prompts = {label: request.prompt for label, request in media.submits}
    assert prompts["segment 01"] == "Mia flies a kite. Mia Chen: a girl in a blue hoodie"
    assert mia.description not in prompts["segment 02"]


def test_runner_create_from_story_skips_the_story_step(runner: JobRunner, store: JobStore) -> None:
    job = runner.create_from_story(make_story(2))

    assert job.story is not None
    assert job.idea == "The Keeper and the Storm"
    assert store.steps(job.id)[0].status is StepStatus.SUCCEEDED


async def test_runner_create_from_story_then_run(
    runner: JobRunner, writer: FakeWriter, media: FakeMedia
) -> None:
    job = runner.create_from_story(make_story(2, duration=6), out_dir=None)

    manifest = await runner.run(job.id)

    assert manifest.status == "succeeded"
    assert writer.calls == []
    assert [request.duration_seconds for _, request in media.submits] == [6, 6]


async def test_runner_run_refuses_a_job_that_is_not_queued(runner: JobRunner) -> None:
    job = runner.create("a storm", segments=1)
    await runner.run(job.id)

    with pytest.raises(JobError, match="resume"):
        await runner.run(job.id)


async def test_runner_cancel_while_polling_keeps_operations_for_resume(
    store: JobStore, writer: FakeWriter, settings: Settings
) -> None:
    media = FakeMedia(latency_s=30)
    runner = make_runner(store, writer, media, settings)
    job = runner.create("a storm", segments=3)
    running = asyncio.ensure_future(runner.run(job.id))
    while len(media.waits) < 3:
        await asyncio.sleep(0.01)

    runner.cancel(job.id)
    manifest = await asyncio.wait_for(running, 5)

    assert manifest.status == "cancelled"
    assert ("job", "cancelled") in [(f.step, f.reason) for f in manifest.failures]
    steps = [s for s in store.steps(job.id) if s.kind == "clip"]
    assert [s.status for s in steps] == [StepStatus.SUBMITTED] * 3
    assert all(s.operation for s in steps)
    assert store.get(job.id).status is JobStatus.CANCELLED

    media.latency_s = 0
    resumed = await runner.resume(job.id)

    assert resumed.status == "succeeded"
    assert len(media.submits) == 3
    assert resumed.video_submissions == 3


async def test_runner_interrupted_while_clips_wait_for_quota_records_no_submission(
    store: JobStore, writer: FakeWriter, settings: Settings
) -> None:
    media = FakeMedia()
    media.quota_wait_s = 30
    runner = make_runner(store, writer, media, settings)
    job = runner.create("a storm", segments=2)
    running = asyncio.ensure_future(runner.run(job.id))
    while media.quota_waits < 2:
        await asyncio.sleep(0.01)

    running.cancel()  # what Ctrl-C or SIGTERM does to a running job
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(running, 5)

    # Nothing left for Google while waiting for budget: nothing may have been billed.
    clips = [s for s in store.steps(job.id) if s.kind == "clip"]
    assert [(s.status, s.submissions) for s in clips] == [(StepStatus.PENDING, 0)] * 2
    media.quota_wait_s = 0
    resumed = await runner.resume(job.id)
    assert resumed.status == "succeeded"
    assert resumed.video_submissions == 2
    assert len(media.submits) == 2


async def test_runner_cancel_of_a_queued_job_closes_it(runner: JobRunner) -> None:
    job = runner.create("a storm", segments=2)

    cancelled = runner.cancel(job.id)

    assert cancelled.status is JobStatus.CANCELLED
    assert any("cancelled" in reason for reason in cancelled.reasons)
    with pytest.raises(JobError):
        await runner.run(job.id)


async def test_runner_interrupt_during_submit_records_the_operation(
    store: JobStore, writer: FakeWriter, settings: Settings
) -> None:
    media = FakeMedia(submit_s=0.3, latency_s=30)
    runner = make_runner(store, writer, media, settings)
    job = runner.create("a storm", segments=2)
    running = asyncio.ensure_future(runner.run(job.id))
    while len(media.submits) < 2:
        await asyncio.sleep(0.01)

    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running

    steps = [s for s in store.steps(job.id) if s.kind == "clip"]
    assert [s.status for s in steps] == [StepStatus.SUBMITTED] * 2
    assert all(s.operation and s.submissions == 1 for s in steps)
    saved = store.get(job.id)
    assert saved.status is JobStatus.QUEUED
    assert any("interrupted" in reason for reason in saved.reasons)
