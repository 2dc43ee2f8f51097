"""Characters read from JSON files given on the command line (``--characters FILE``)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from storyreel.cli.json_files import read_json_file
from storyreel.domain.story import Character
from storyreel.errors import InputError
from storyreel.services.openrouter.models import CharacterProfile


def _character(item: Any, path: Path, number: int) -> Character:
    """One entry of a characters file, or an InputError naming the file, the entry (its
    number and name) and the field at fault."""
    where = f"characters file {path}, entry {number}"
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a character object, got {type(item).__name__}")
    name = item.get("name", item.get("name_hint"))
    if isinstance(name, str) and name.strip():
        where += f" ({_short(name)})"
    profile = "visual_description" in item
    item = {key: value for key, value in item.items() if key != "image"}
    try:
        if profile:
            return CharacterProfile.model_validate(item).to_character()
        return Character.model_validate(
            {"name": item.get("name"), "description": item.get("description")}
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        needed = (
            "a profile has name_hint, appearance, clothing, distinctive_features and "
            "visual_description, as `storyreel characters --json` prints them"
            if profile
            else 'each character needs a "name" and a "description" (how the character looks)'
        )
        if problem["type"] == "missing" or problem.get("input") is None:
            raise InputError(f"{where}: no {field!r}; {needed}") from None
        raise InputError(f"{where}: {field!r}: {problem['msg']}") from None


def _short(name: str) -> str:
    return repr(name if len(name) <= 40 else name[:37] + "...")


def _image(item: Any, path: Path, number: int, name: str) -> Path | None:
    """The entry's reference image (``"image": "mara.png"``, relative to the characters
    file), or None when it names none."""
    image = item.get("image") if isinstance(item, dict) else None
    if image is None:
        return None
    if not isinstance(image, str) or not image.strip():
        where = f"characters file {path}, entry {number} ({_short(name)})"
        raise InputError(f"{where}: 'image' must be the path of an image file")
    return (path.parent / Path(image).expanduser()).resolve()


def load_cast(
    paths: Iterable[str | os.PathLike[str]],
) -> tuple[list[Character], dict[str, Path]]:
    """Characters from JSON files (see :func:`load_characters`) and the reference image
    each entry names with ``"image"`` (a path relative to its file), by character name.
    The images are only located here; the job checks them before anything is paid."""
    found: list[Character] = []
    images: dict[str, Path] = {}
    for raw in paths:
        path = Path(raw)
        document = read_json_file(path, "characters file")
        items = document.get("characters", document) if isinstance(document, dict) else document
        items = items if isinstance(items, list) else [items]
        for number, item in enumerate(items, start=1):
            character = _character(item, path, number)
            found.append(character)
            image = _image(item, path, number, character.name)
            if image is not None:
                images[character.name] = image
    return found, images


def load_characters(paths: Iterable[str | os.PathLike[str]]) -> list[Character]:
    """Characters from JSON files: a list of characters (``name``, ``description``, and
    optionally ``image``) or of profiles, or an object with a ``characters`` list — e.g. the
    output of ``storyreel characters --json`` or ``storyreel story --json``. Only regular
    files of at most 1 MB and 32 levels of nesting are read."""
    return load_cast(paths)[0]
