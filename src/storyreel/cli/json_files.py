"""JSON files named on the command line (``--characters FILE``, ``--story FILE``), read with
bounds that stop a hostile or mistaken file and errors that name the file."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from storyreel.errors import InputError

# These files are a few kilobytes of JSON; the bounds only stop a hostile or mistaken one.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32


def read_json_file(path: Path, what: str) -> Any:
    """The JSON in ``path``, refused with one line naming ``what`` (e.g. "story file") and the
    path unless it is a regular UTF-8 file of at most 1 MB and 32 levels of nesting."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError(f"{what} {path} does not exist") from None
    except OSError as exc:
        raise InputError(f"{what} {path} cannot be read: {exc.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{what} {path} is not a regular file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        text = data.decode("utf-8")
    except OSError as exc:
        raise InputError(f"{what} {path} cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{what} {path} is not UTF-8 text") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{what} {path} is larger than {MAX_FILE_BYTES // 1024} kB")
    if _depth(text) > MAX_DEPTH:
        raise InputError(f"{what} {path} nests deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} {path} is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None


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


__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "read_json_file"]
