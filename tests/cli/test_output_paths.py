"""Every output path is checked before anything is paid for, and --out makes at most one
folder: `video`, `thumbnail` and `make` as a user types them, against the emulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cli_support import control, emulator_stats, run_cli, storyreel_env, use_env

IDEA = "a kite festival"


@pytest.fixture(autouse=True)
def offline(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_output: Path
) -> Path:
    env = storyreel_env(tmp_output, emulator_url=emulator.url, poll_initial_s=0.05, poll_max_s=0.2)
    use_env(monkeypatch, env, cwd=tmp_path)
    control(emulator, "/_emulator/reset", {})
    return tmp_output


def folders_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_dir())


def test_video_out_an_existing_folder_is_refused_before_submitting(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    folder = tmp_path / "clips"
    folder.mkdir()

    code, out, err = run_cli(capsys, "video", "a red kite", "--out", str(folder), "--yes")

    assert code == 2
    assert (
        err
        == f"error: cannot write {str(folder)!r}: it is a folder, not a file; name a file in it\n"
    )
    assert out == ""
    assert emulator_stats(emulator)["video_submissions"] == 0
    assert list(folder.iterdir()) == []


def test_video_out_under_a_missing_folder_creates_nothing_and_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    before = folders_under(tmp_path)
    target = tmp_path / "nonexistent" / "dir" / "a.mp4"

    code, _, err = run_cli(capsys, "video", "a red kite", "--out", str(target), "--yes")

    assert code == 2
    assert err.count("\n") == 1
    assert f"{str(tmp_path / 'nonexistent')!r} does not exist" in err
    assert "only the last folder level is made" in err
    assert folders_under(tmp_path) == before
    assert emulator_stats(emulator)["video_submissions"] == 0


def test_video_out_makes_the_last_missing_folder_level_only(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    target = tmp_path / "new" / "a.mp4"

    code, out, err = run_cli(capsys, "video", "a red kite", "--out", str(target), "--duration", "4")

    assert code == 0, err
    assert out.strip() == str(target)
    assert target.is_file()
    assert target.stat().st_size > 0
    assert emulator_stats(emulator)["video_submissions"] == 1


def test_video_out_below_a_file_says_the_file_is_in_the_way(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    blocker = tmp_path / "notes.txt"
    blocker.write_text("not a folder")

    code, _, err = run_cli(capsys, "video", "a red kite", "--out", str(blocker / "a.mp4"), "--yes")

    assert code == 2
    assert err.count("\n") == 1
    assert f"{blocker} is a file, not a folder" in err
    assert emulator_stats(emulator)["video_submissions"] == 0


def test_thumbnail_out_an_existing_folder_is_refused_before_any_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    folder = tmp_path / "cover.png"  # a folder, whatever its name says
    folder.mkdir()
    requests_before = emulator_stats(emulator)["requests"]

    code, _, err = run_cli(capsys, "thumbnail", "a red kite", "--out", str(folder))

    assert code == 2
    assert "it is a folder, not a file" in err
    assert err.count("\n") == 1
    assert emulator_stats(emulator)["requests"] == requests_before


def test_thumbnail_out_under_a_missing_folder_creates_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    before = folders_under(tmp_path)
    requests_before = emulator_stats(emulator)["requests"]

    code, _, err = run_cli(
        capsys, "thumbnail", "a red kite", "--out", str(tmp_path / "x" / "y" / "t.png")
    )

    assert code == 2
    assert f"{str(tmp_path / 'x')!r} does not exist" in err
    assert folders_under(tmp_path) == before
    assert emulator_stats(emulator)["requests"] == requests_before


def test_make_out_under_a_missing_folder_creates_nothing_and_submits_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any, offline: Path
) -> None:
    before = folders_under(tmp_path)

    code, _, err = run_cli(
        capsys, "make", IDEA, "--segments", "1", "--out", str(tmp_path / "a" / "b" / "job"), "--yes"
    )

    assert code == 2
    assert err.count("\n") == 1
    assert f"{str(tmp_path / 'a')!r} does not exist" in err
    assert folders_under(tmp_path) == before
    assert emulator_stats(emulator)["video_submissions"] == 0


def test_make_out_makes_its_own_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, emulator: Any
) -> None:
    folder = tmp_path / "kites"

    code, _, err = run_cli(
        capsys, "make", IDEA, "--segments", "1", "--out", str(folder), "--yes", "--json"
    )

    assert code == 0, err
    assert (folder / "manifest.json").is_file()
    assert (folder / "clips" / "segment-01.mp4").is_file()


def test_default_output_dir_is_created_with_its_parents(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    configured = tmp_path / "deep" / "er" / "output"
    monkeypatch.setenv("STORYREEL_OUTPUT_DIR", str(configured))

    code, out, err = run_cli(capsys, "thumbnail", "a red kite")

    assert code == 0, err
    assert Path(out.strip()).parent == configured
    assert Path(out.strip()).is_file()
