"""The reel's options of `make`, declared once, and the job choices they make."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from storyreel.jobs.choices import ReelChoices
    from storyreel.settings import Settings

NoReel = Annotated[
    bool, typer.Option("--no-reel", help="Keep the clips apart: no reel.mp4 (reel.enabled).")
]
NoNarration = Annotated[
    bool,
    typer.Option("--no-narration", help="Do not read the narration aloud (narration.enabled)."),
]
Music = Annotated[
    Path | None,
    typer.Option(
        "--music",
        metavar="FILE",
        help="Background music for the reel (any common audio format), looped or trimmed "
        "to its length and ducked under the voice (reel.music).",
    ),
]
AllowGaps = Annotated[
    bool,
    typer.Option(
        "--allow-gaps",
        help="Assemble the reel even if a clip is missing: a title card carrying its "
        "narration stands in for it (reel.allow_gaps).",
    ),
]


def make_choices(
    settings: Settings,
    *,
    no_reel: bool,
    no_narration: bool,
    music: Path | None,
    allow_gaps: bool,
    references: Mapping[str, Path] | None = None,
) -> ReelChoices:
    """The job's reel choices: the settings', changed by the flags given; ``references``:
    the reference image of each character that has one (from ``--characters`` files)."""
    from storyreel.jobs.choices import reel_choices

    return reel_choices(
        settings,
        narration=False if no_narration else None,
        reel=False if no_reel else None,
        music=music,
        allow_gaps=True if allow_gaps else None,
        references=references,
    )
