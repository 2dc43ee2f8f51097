"""The manifest's entries for a job's still images: ``sheets[]`` and ``keyframes[]``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from storyreel.domain.frames import character_slugs
from storyreel.domain.story import Story
from storyreel.jobs.frame_steps import REFERENCE, sheet_step_key
from storyreel.jobs.models import StepKind, StepRecord, StepStatus


class SheetEntry(BaseModel):
    """One character's sheet. ``path`` (relative to the job folder) is set once the file is
    made; ``source`` says whether it was drawn or copied from the user's reference image."""

    model_config = ConfigDict(extra="forbid")

    character: str
    path: str | None
    source: Literal["drawn", "reference"]
    status: str
    error: str | None = None


class KeyframeEntry(BaseModel):
    """One segment's keyframe: the first frame its clip starts from."""

    model_config = ConfigDict(extra="forbid")

    index: int
    path: str | None
    status: str
    error: str | None = None


def sheet_entries(story: Story | None, steps: Sequence[StepRecord]) -> list[SheetEntry]:
    """The sheets ``steps`` plan, in the story's order of characters."""
    by_key = {step.key: step for step in steps if step.kind is StepKind.SHEET}
    slugs = character_slugs(story.characters) if story is not None else {}
    entries = []
    for name, slug in slugs.items():
        step = by_key.get(sheet_step_key(slug))
        if step is not None:
            done = step.status is StepStatus.SUCCEEDED
            entries.append(
                SheetEntry(
                    character=name,
                    path=step.artifact if done else None,
                    source="reference" if step.operation == REFERENCE else "drawn",
                    status=step.status.value,
                    error=None if done else step.error,
                )
            )
    return entries


def keyframe_entries(steps: Sequence[StepRecord]) -> list[KeyframeEntry]:
    """The keyframes ``steps`` plan, by segment."""
    entries = [
        KeyframeEntry(
            index=step.index,
            path=step.artifact if step.status is StepStatus.SUCCEEDED else None,
            status=step.status.value,
            error=None if step.status is StepStatus.SUCCEEDED else step.error,
        )
        for step in steps
        if step.kind is StepKind.KEYFRAME and step.index is not None
    ]
    return sorted(entries, key=lambda entry: entry.index)


__all__ = ["KeyframeEntry", "SheetEntry", "keyframe_entries", "sheet_entries"]
