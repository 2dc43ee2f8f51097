"""What would finish a job that did not succeed: a resume, a reshoot of failed clips, or both."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storyreel.jobs.models import JobRecord, StepKind, StepRecord, StepStatus
from storyreel.settings import Settings


@dataclass(frozen=True)
class NextSteps:
    """``resume``: a resume would still do something (write the story, submit, collect or
    make what is missing). ``reshoot``: the segments whose clip failed for good, which a
    resume never films again because Google took (and billed) the request."""

    resume: bool
    reshoot: tuple[int, ...]


def next_steps(job: JobRecord, steps: Sequence[StepRecord], settings: Settings) -> NextSteps:
    """What would help ``job``, from its steps as the store has them."""
    clips = {step.index: step for step in steps if step.kind is StepKind.CLIP and step.index}
    failed = tuple(sorted(i for i, step in clips.items() if step.status is StepStatus.FAILED))
    again = {StepStatus.PENDING, StepStatus.SUBMITTED}
    if settings.video.resubmit_on_unknown:
        # Without it, a resume only marks the clip failed.
        again.add(StepStatus.UNKNOWN)
    resume = job.story is None
    if job.story is not None:
        resume = any(segment.index not in clips for segment in job.story.segments)
    for step in steps:
        if step.status is StepStatus.SUCCEEDED or step.kind is StepKind.STORY:
            continue
        if step.kind is StepKind.CLIP:
            resume = resume or step.status in again
        elif step.kind is StepKind.ASSEMBLE:
            # Joining the clips again is worth it only once none is missing for good.
            resume = resume or not failed
        else:
            # The thumbnail and the narration are made again by a resume.
            resume = True
    return NextSteps(resume=resume, reshoot=failed)


__all__ = ["NextSteps", "next_steps"]
