"""What would finish a job: resume only while it would do something, reshoot for clips
that failed for good."""

from __future__ import annotations

import pytest

from storyreel.domain.story import Segment, Story
from storyreel.jobs.models import (
    JobInput,
    JobRecord,
    StepKind,
    StepRecord,
    StepStatus,
    clip_step_key,
)
from storyreel.jobs.next_steps import NextSteps, next_steps
from storyreel.settings import Settings, load_settings

S = StepStatus


def story(segments: int) -> Story:
    return Story(
        title="Kites",
        logline="Kites over a hill.",
        segments=[
            Segment(index=i, narration=f"line {i}", visual_prompt=f"kite {i}")
            for i in range(1, segments + 1)
        ],
    )


def job(with_story: Story | None) -> JobRecord:
    return JobRecord(
        id="20260101-000000-abcdef", input=JobInput(idea="kites"), out_dir="/x", story=with_story
    )


def clip(index: int, status: StepStatus) -> StepRecord:
    return StepRecord(key=clip_step_key(index), kind=StepKind.CLIP, index=index, status=status)


def thumbnail(status: StepStatus) -> StepRecord:
    return StepRecord(key="thumbnail", kind=StepKind.THUMBNAIL, status=status)


@pytest.fixture
def settings() -> Settings:
    return load_settings({}, config_file=None, env={}, dotenv=None)


def test_next_steps_failed_clips_are_reshot_not_resumed(settings: Settings) -> None:
    steps = [clip(1, S.SUCCEEDED), clip(2, S.FAILED), clip(3, S.FAILED), thumbnail(S.SUCCEEDED)]

    assert next_steps(job(story(3)), steps, settings) == NextSteps(resume=False, reshoot=(2, 3))


@pytest.mark.parametrize("status", [S.PENDING, S.SUBMITTED, S.UNKNOWN])
def test_next_steps_a_clip_left_to_submit_or_collect_is_resumed(
    settings: Settings, status: StepStatus
) -> None:
    steps = [clip(1, S.FAILED), clip(2, status), thumbnail(S.SUCCEEDED)]

    assert next_steps(job(story(2)), steps, settings) == NextSteps(resume=True, reshoot=(1,))


def test_next_steps_unknown_is_not_resumed_when_resubmitting_is_off() -> None:
    settings = load_settings(
        {"video": {"resubmit_on_unknown": False}}, config_file=None, env={}, dotenv=None
    )
    steps = [clip(1, S.SUCCEEDED), clip(2, S.UNKNOWN), thumbnail(S.SUCCEEDED)]

    assert next_steps(job(story(2)), steps, settings).resume is False


def test_next_steps_a_failed_thumbnail_or_a_missing_story_is_resumed(settings: Settings) -> None:
    made = [clip(1, S.SUCCEEDED)]

    assert next_steps(job(story(1)), [*made, thumbnail(S.FAILED)], settings).resume is True
    assert next_steps(job(None), [], settings) == NextSteps(resume=True, reshoot=())
    # A segment whose clip step was never planned is filmed by a resume too.
    assert next_steps(job(story(2)), [*made, thumbnail(S.SUCCEEDED)], settings).resume is True
