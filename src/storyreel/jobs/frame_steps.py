"""The still-image steps of a job: a ``sheet-<name>`` per character, a ``keyframe-NN`` per
segment, and where their files go in the job folder."""

from __future__ import annotations

from collections.abc import Sequence

from storyreel.domain.frames import character_slugs
from storyreel.domain.story import Story
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.models import StepKind, StepRecord

# ``operation`` of a sheet step that copies the user's reference image: no image call.
REFERENCE = "reference"
SHEETS_DIR = "sheets"
KEYFRAMES_DIR = "keyframes"
IMAGE_KINDS = (StepKind.THUMBNAIL, StepKind.SHEET, StepKind.KEYFRAME)


def sheet_step_key(slug: str) -> str:
    return f"sheet-{slug}"


def sheet_path(slug: str, suffix: str = ".png") -> str:
    """A sheet's path relative to the job folder: drawn ones are PNG; a reference image
    keeps its own type (``suffix``)."""
    return f"{SHEETS_DIR}/{slug}{suffix}"


def keyframe_step_key(index: int) -> str:
    return f"keyframe-{index:02d}"


def keyframe_path(index: int) -> str:
    return f"{KEYFRAMES_DIR}/segment-{index:02d}.png"


def reference_of(choices: ReelChoices, name: str) -> str | None:
    """The user's reference image for the character called ``name`` (any case), or None."""
    folded = name.strip().casefold()
    for given, path in choices.references.items():
        if given.strip().casefold() == folded:
            return path
    return None


def frame_steps(story: Story, choices: ReelChoices) -> list[StepRecord]:
    """A sheet step per character and a keyframe step per segment when ``choices`` ask for
    keyframes, else none. A character with a reference image gets a sheet step that copies
    it (``operation`` :data:`REFERENCE`) instead of drawing one."""
    if not choices.keyframes:
        return []
    slugs = character_slugs(story.characters)
    sheets = [
        StepRecord(
            key=sheet_step_key(slug),
            kind=StepKind.SHEET,
            operation=REFERENCE if reference_of(choices, name) else None,
        )
        for name, slug in slugs.items()
    ]
    keyframes = [
        StepRecord(key=keyframe_step_key(s.index), kind=StepKind.KEYFRAME, index=s.index)
        for s in story.segments
    ]
    return [*sheets, *keyframes]


def drawn_images(steps: Sequence[StepRecord]) -> list[StepRecord]:
    """The steps that each make one billed image: the thumbnail, drawn sheets, keyframes."""
    return [s for s in steps if s.kind in IMAGE_KINDS and s.operation != REFERENCE]


def planned_images(story: Story, choices: ReelChoices) -> int:
    """Billed images of filming ``story``: the thumbnail, and with keyframes one per segment
    and one per character without a reference image."""
    return 1 + len(drawn_images(frame_steps(story, choices)))


__all__ = [
    "IMAGE_KINDS",
    "KEYFRAMES_DIR",
    "REFERENCE",
    "SHEETS_DIR",
    "drawn_images",
    "frame_steps",
    "keyframe_path",
    "keyframe_step_key",
    "planned_images",
    "reference_of",
    "sheet_path",
    "sheet_step_key",
]
