"""Options that several commands share, declared once so their help stays the same."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from storyreel.domain.limits import MAX_SEGMENTS

Segments = Annotated[int, typer.Option("--segments", "-n", help=f"Clips, 1 to {MAX_SEGMENTS}.")]
Style = Annotated[
    str | None, typer.Option("--style", help="Visual style put in every clip prompt.")
]
CharacterFiles = Annotated[
    list[Path] | None,
    typer.Option(
        "--characters",
        metavar="FILE",
        help="JSON file of characters (repeatable): a list of {name, description} (and "
        '"image": a reference picture used as the character\'s sheet), or the output of '
        "`storyreel characters --json`.",
    ),
]
