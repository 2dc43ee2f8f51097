"""A clip whose operation is gone at Google ends failed, says so, and offers a reshoot."""

from __future__ import annotations

from storyreel.jobs.models import StepStatus, clip_step_key
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore
from storyreel.services.google.polling import OperationGone

from .fakes import FakeMedia
from .test_resume import crashed_job


def _gone(operation: str) -> OperationGone:
    return OperationGone(
        f"segment 02: operation {operation} is gone at Google (HTTP 404: not found)",
        provider="google",
        status=404,
        retryable=False,
    )


async def test_resume_fails_a_clip_gone_at_google_and_offers_a_reshoot(
    runner: JobRunner, store: JobStore, media: FakeMedia
) -> None:
    job_id = crashed_job(runner, store, [StepStatus.SUBMITTED, StepStatus.SUBMITTED])
    media.wait_errors["segment 02"] = [_gone("old/op-2")]

    manifest = await runner.resume(job_id)

    steps = {step.key: step for step in store.steps(job_id)}
    gone = steps[clip_step_key(2)]
    assert gone.status is StepStatus.FAILED
    assert gone.error is not None
    assert "gone at Google" in gone.error
    assert f"storyreel reshoot {job_id} --segment 2" in gone.error
    assert steps[clip_step_key(1)].status is StepStatus.SUCCEEDED
    assert manifest.status == "partial"
    assert media.submits == []  # nothing was paid for again
    assert [label for label, _ in media.waits].count("segment 02") == 1
