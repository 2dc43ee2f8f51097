"""The steps that film a story, before any of them runs."""

from __future__ import annotations

from storyreel.domain.story import Story
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.frame_steps import frame_steps
from storyreel.jobs.models import THUMBNAIL_STEP, StepKind, StepRecord, clip_step_key


def planned_steps(story: Story, choices: ReelChoices | None = None) -> list[StepRecord]:
    """The steps that film ``story``: with keyframes (``choices``) a sheet per character and a
    keyframe per segment, then one clip per segment, then the thumbnail."""
    clips = [
        StepRecord(key=clip_step_key(s.index), kind=StepKind.CLIP, index=s.index)
        for s in story.segments
    ]
    frames = frame_steps(story, choices) if choices is not None else []
    return [*frames, *clips, StepRecord(key=THUMBNAIL_STEP, kind=StepKind.THUMBNAIL)]


__all__ = ["planned_steps"]
