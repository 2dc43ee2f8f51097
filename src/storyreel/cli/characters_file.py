"""Characters read from JSON files given on the command line (``--characters FILE``)."""

from __future__ import annotations

import json
import os
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


def load_characters(paths: Iterable[str | os.PathLike[str]]) -> list[Character]:
    """Characters from JSON files: a list of characters (``name``, ``description``) or of
    profiles, or an object with a ``characters`` list — e.g. the output of
    ``storyreel characters --json`` or ``storyreel story --json``."""
    found: list[Character] = []
    for raw in paths:
        path = Path(raw)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"characters file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"characters file {path} cannot be read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"characters file {path} is not JSON: {exc.msg}") from None
        items = document.get("characters", document) if isinstance(document, dict) else document
        items = items if isinstance(items, list) else [items]
        found += [_character(item, f"{path} item {n}") for n, item in enumerate(items, start=1)]
    return found
