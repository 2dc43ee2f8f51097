"""A job's input (an idea, every value checked, or a ready story) and what it would cost."""

from __future__ import annotations

from collections.abc import Sequence

from storyreel.domain.limits import (
    DEFAULT_SEGMENTS,
    MAX_STYLE_CHARS,
    check_characters,
    check_duration,
    check_segments,
)
from storyreel.domain.story import Character, Story
from storyreel.domain.text import checked_text, optional_text
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.costs import CostEstimate, idea_cost, story_cost
from storyreel.jobs.models import JobInput
from storyreel.settings import Settings


def idea_input(
    settings: Settings,
    idea: str,
    *,
    segments: int | None,
    style: str | None,
    characters: Sequence[Character],
    duration_seconds: int | None,
    reel: ReelChoices,
) -> tuple[JobInput, CostEstimate]:
    """The input of a job that writes a story from ``idea`` and films it, each value
    checked (InputError), and the estimate of what it will cost."""
    idea = checked_text(idea, "the idea")
    style = optional_text(style, "the style", MAX_STYLE_CHARS)
    count = check_segments(DEFAULT_SEGMENTS if segments is None else segments)
    default = settings.video.duration_seconds
    duration = check_duration(default if duration_seconds is None else duration_seconds)
    spec = JobInput(
        idea=idea,
        segments=count,
        style=style,
        characters=check_characters(characters),
        duration_seconds=duration,
        reel=reel,
    )
    cost = idea_cost(settings, count * duration, reel, segments=count, characters=spec.characters)
    return spec, cost


def story_input(
    settings: Settings, story: Story, reel: ReelChoices
) -> tuple[JobInput, CostEstimate]:
    """The input of a job that films a ready ``story``, and what it will cost."""
    story = story.to_story()
    return JobInput(story=story, reel=reel), story_cost(settings, story, reel)


__all__ = ["idea_input", "story_input"]
