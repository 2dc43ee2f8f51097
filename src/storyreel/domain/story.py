"""The story: what the writing service produces and the cinematographer films."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from storyreel.domain.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_LOGLINE_CHARS,
    MAX_NAME_CHARS,
    MAX_SEGMENTS,
    MAX_TITLE_CHARS,
    VEO_DURATIONS,
    VeoDuration,
)

# Re-exported: these limits were first defined here.
__all__ = ["MAX_SEGMENTS", "VEO_DURATIONS", "Character", "Segment", "Story", "Usage", "VeoDuration"]


class Usage(BaseModel):
    """Tokens spent by one or more LLM calls, and what OpenRouter charged for them.

    ``cost_usd`` is the sum of the costs the replies reported (``usage.cost``); None when
    none reported one.
    """

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None

    def __add__(self, other: Usage) -> Usage:
        costs = [cost for cost in (self.cost_usd, other.cost_usd) if cost is not None]
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=sum(costs) if costs else None,
        )


class Character(BaseModel):
    """A character and the visual description every clip featuring them carries verbatim."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    description: str = Field(min_length=1, max_length=MAX_DESCRIPTION_CHARS)


class Segment(BaseModel):
    """One clip's worth of story."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=1, le=MAX_SEGMENTS)
    narration: str = Field(min_length=1)
    visual_prompt: str = Field(min_length=1)
    duration_seconds: VeoDuration = 8


class Story(BaseModel):
    """A titled story in 1..MAX_SEGMENTS segments, indexed from 1."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    logline: str = Field(min_length=1, max_length=MAX_LOGLINE_CHARS)
    style: str | None = None
    characters: list[Character] = Field(default_factory=list)
    segments: list[Segment] = Field(min_length=1, max_length=MAX_SEGMENTS)

    @model_validator(mode="after")
    def _indices_run_from_one(self) -> Story:
        indices = [segment.index for segment in self.segments]
        if indices != list(range(1, len(indices) + 1)):
            raise ValueError(f"segment indices must run 1..{len(indices)} in order, got {indices}")
        return self

    @property
    def total_seconds(self) -> int:
        return sum(segment.duration_seconds for segment in self.segments)

    def to_story(self) -> Story:
        """A plain, freshly validated Story: what a subclass adds (such as the usage of a
        written story) is left out, e.g. to save it for filming."""
        return Story.model_validate(self.model_dump(include=set(Story.model_fields)))
