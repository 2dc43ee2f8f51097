"""The --characters loader refuses hostile files with one-line errors, before reading much."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from storyreel.cli.characters_file import MAX_DEPTH, MAX_FILE_BYTES, load_characters
from storyreel.errors import InputError


def test_characters_file_deep_nesting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(InputError, match=f"deeper than {MAX_DEPTH}"):
        load_characters([path])


def test_characters_file_brackets_inside_strings_do_not_count(tmp_path: Path) -> None:
    path = tmp_path / "cast.json"
    path.write_text('[{"name": "Ada [[[[", "description": "a coat with \\\\\\"{{{{\\" on it"}]')
    assert load_characters([path])[0].name == "Ada [[[["


def test_characters_file_device_is_refused_without_reading() -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_characters(["/dev/zero"])


def test_characters_file_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            load_characters([fifo])
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(5)
    assert not worker.is_alive()
    assert len(errors) == 1
    assert isinstance(errors[0], InputError)
    assert "not a regular file" in str(errors[0])


def test_characters_file_too_large_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b" " * MAX_FILE_BYTES + b"]")
    with pytest.raises(InputError, match="larger than"):
        load_characters([path])


def test_characters_file_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_characters([tmp_path])
