"""The --characters loader refuses hostile files with one-line errors, before reading much."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from storyreel.cli.characters_file import load_characters
from storyreel.cli.json_files import MAX_DEPTH, MAX_FILE_BYTES
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


def _story_with(
    cast: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    """`storyreel story IDEA --characters FILE` as the console script runs it."""
    from storyreel.cli.app import run

    monkeypatch.chdir(cast.parent)
    with pytest.raises(SystemExit) as done:
        run(["story", "a kite festival", "--characters", cast.name])
    code = done.value.code
    return (code if isinstance(code, int) else 0), capsys.readouterr().err


def test_characters_file_missing_description_names_file_entry_and_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = tmp_path / "cast.json"
    cast.write_text('[{"name": "Ada", "description": "tall, red coat"}, {"name": "Bo"}]')

    code, err = _story_with(cast, monkeypatch, capsys)

    assert code == 2
    assert err.splitlines() == [
        "error: characters file cast.json, entry 2 ('Bo'): no 'description'; each character "
        'needs a "name" and a "description" (how the character looks)'
    ]


def test_characters_file_wrong_type_names_the_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cast = tmp_path / "cast.json"
    cast.write_text('{"characters": [{"name": "Ada", "description": 42}]}')

    code, err = _story_with(cast, monkeypatch, capsys)

    assert code == 2
    assert err.splitlines() == [
        "error: characters file cast.json, entry 1 ('Ada'): 'description': Input should be a "
        "valid string"
    ]


def test_characters_file_incomplete_profile_names_the_missing_field(tmp_path: Path) -> None:
    cast = tmp_path / "profiles.json"
    cast.write_text('[{"name_hint": "Ada", "visual_description": "tall, red coat"}]')

    with pytest.raises(InputError) as caught:
        load_characters([cast])

    assert str(caught.value).startswith(
        f"characters file {cast}, entry 1 ('Ada'): no 'appearance'; a profile has name_hint, "
    )
