"""The story: what the writing service produces and the cinematographer films."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

VEO_DURATIONS: tuple[int, ...] = (4, 6, 8)
MAX_SEGMENTS = 20

VeoDuration = Literal[4, 6, 8]


class Usage(BaseModel):
    """Tokens spent by one or more LLM calls."""

    model_config = ConfigDict(extra="forbid")

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
        )


class Character(BaseModel):
    """A character and the visual description every clip featuring them carries verbatim."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1, max_length=600)


class Segment(BaseModel):
    """One clip's worth of story."""

    model_config = ConfigDict(extra="forbid")

    index: int = Field(ge=1, le=MAX_SEGMENTS)
    narration: str = Field(min_length=1)
    visual_prompt: str = Field(min_length=1)
    duration_seconds: VeoDuration = 8


class Story(BaseModel):
    """A titled story in 1..20 segments, indexed from 1."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    logline: str = Field(min_length=1, max_length=600)
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
