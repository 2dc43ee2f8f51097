"""Characters read from JSON files given on the command line (``--characters FILE``)."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from storyreel.domain.story import Character
from storyreel.errors import InputError
from storyreel.services.openrouter.models import CharacterProfile


def _character(item: Any, where: str) -> Character:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a character object, got {type(item).__name__}")
    try:
        if "visual_description" in item:
            return CharacterProfile.model_validate(item).to_character()
        return Character.model_validate(
            {"name": item.get("name"), "description": item.get("description")}
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        raise InputError(f"{where}: {field}: {problem['msg']}") from None


# A characters file is a few kilobytes of JSON; these bounds only stop a hostile one.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32


def load_characters(paths: Iterable[str | os.PathLike[str]]) -> list[Character]:
    """Characters from JSON files: a list of characters (``name``, ``description``) or of
    profiles, or an object with a ``characters`` list — e.g. the output of
    ``storyreel characters --json`` or ``storyreel story --json``. Only regular files of at
    most 1 MB and 32 levels of nesting are read."""
    found: list[Character] = []
    for raw in paths:
        path = Path(raw)
        document = _read_document(path)
        items = document.get("characters", document) if isinstance(document, dict) else document
        items = items if isinstance(items, list) else [items]
        found += [_character(item, f"{path} item {n}") for n, item in enumerate(items, start=1)]
    return found


def _read_document(path: Path) -> Any:
    """The file's JSON, refused unless it is a regular file of bounded size and nesting."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"characters file {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"characters file {path} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"characters file {path} is not a regular file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        text = data.decode("utf-8")
    except OSError as exc:
        raise InputError(f"characters file {path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"characters file {path} is not UTF-8 text") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"characters file {path} is larger than {MAX_FILE_BYTES // 1024} kB")
    if _depth(text) > MAX_DEPTH:
        raise InputError(f"characters file {path} nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"characters file {path} is not JSON: {exc.msg}") from None


def _depth(text: str) -> int:
    """How deeply the JSON ``text`` nests arrays and objects (strings skipped)."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
