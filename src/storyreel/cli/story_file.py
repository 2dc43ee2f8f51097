"""A ready story read from a JSON file (``storyreel make --story FILE``), instead of an idea."""

from __future__ import annotations

from pathlib import Path

import typer
from pydantic import ValidationError

from storyreel.cli.json_files import read_json_file
from storyreel.domain.story import Story
from storyreel.errors import InputError
from storyreel.services.openrouter.models import WrittenStory

# Options of `make` that shape a story still to be written; a ready story has its own.
IDEA_OPTIONS = ("segments", "style", "characters")


def story_or_idea(ctx: typer.Context, idea: str | None, story_file: Path | None) -> Story | None:
    """The story to film when ``--story FILE`` is given (``None``: write one from ``idea``).
    Exactly one of the two is accepted, and the idea's options only with an idea."""
    if idea is not None and story_file is not None:
        raise InputError("give an IDEA or --story FILE, not both")
    if story_file is None:
        if idea is None:
            raise InputError("give an IDEA to write a story from, or --story FILE to film one")
        return None
    given = [
        f"--{name}"
        for name in IDEA_OPTIONS
        # By name: Typer carries its own copy of click, with its own ParameterSource.
        if getattr(ctx.get_parameter_source(name), "name", None) == "COMMANDLINE"
    ]
    if given:
        raise InputError(
            f"{', '.join(given)} shape a story still to be written: with --story, edit the file"
        )
    return load_story(story_file)


def load_story(path: Path) -> Story:
    """The story in ``path``: JSON as ``storyreel story --json`` or ``POST /v1/stories``
    prints it, or a job's ``story.json`` (a ``usage`` member is accepted and left out)."""
    document = read_json_file(path, "story file")
    if not isinstance(document, dict):
        raise InputError(
            f"story file {path}: expected a JSON object with title, logline and segments, "
            f"got {type(document).__name__}"
        )
    try:
        return WrittenStory.model_validate(document).to_story()
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        where = f"{field}: " if field else ""
        raise InputError(f"story file {path}: {where}{problem['msg']}") from None


__all__ = ["load_story", "story_or_idea"]
