"""What a job costs: the estimates shown before a job is created or resumed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storyreel.domain.limits import DEFAULT_SEGMENTS
from storyreel.jobs.manifest import estimate_cost_usd
from storyreel.jobs.models import JobRecord, StepRecord, StepStatus
from storyreel.settings import Settings


@dataclass(frozen=True)
class CostEstimate:
    """Seconds of video to generate and their price; ``usd`` is None when the model's
    price is not configured."""

    seconds: int
    usd: float | None
    model: str


def cost_of(settings: Settings, seconds: int) -> CostEstimate:
    """``seconds`` of video at the configured video model's price."""
    return CostEstimate(seconds, estimate_cost_usd(settings, seconds), settings.google.video_model)


def remaining_seconds(job: JobRecord, steps: Sequence[StepRecord], settings: Settings) -> int:
    """Seconds of video that resuming the job would still submit: every clip when it has
    no story yet; else the clips never submitted and, per ``video.resubmit_on_unknown``,
    those whose submit may not have reached Google."""
    if job.story is None:
        duration = job.input.duration_seconds or settings.video.duration_seconds
        return (job.input.segments or DEFAULT_SEGMENTS) * duration
    by_index = {step.index: step for step in steps if step.index}
    again = {StepStatus.PENDING} | (
        {StepStatus.UNKNOWN} if settings.video.resubmit_on_unknown else set()
    )
    return sum(
        segment.duration_seconds
        for segment in job.story.segments
        if segment.index not in by_index or by_index[segment.index].status in again
    )
