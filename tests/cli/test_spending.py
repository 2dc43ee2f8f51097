"""Asking before spending: `video` shows its estimate and asks like `make`; offline never
asks; the defaults let the README's live example through without a question. "Live" runs
here use the emulator on loopback as both providers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import control, run_cli, storyreel_env, use_env

from storyreel.jobs.sqlite import SqliteJobStore

OPENROUTER_KEY = "sk-or-v1-TESTKEY-spending-0123456789abcdef"
GOOGLE_KEY = "AQ.TESTKEY-spending-google-0123456789"


def submissions(server: Any) -> int:
    return int(control(server, "/_emulator/stats")["video_submissions"])


@pytest.fixture(autouse=True)
def env(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_output: Path
) -> Iterator[Path]:
    """Offline against the shared emulator, no config file, quick polling."""
    env = storyreel_env(tmp_output, emulator_url=emulator.url, poll_initial_s=0.05, poll_max_s=0.2)
    use_env(monkeypatch, env, cwd=tmp_path)  # no ./config.yml, no .env: the packaged defaults
    control(emulator, "/_emulator/reset", {})
    yield tmp_output
    control(emulator, "/_emulator/reset", {})


@pytest.fixture
def live(monkeypatch: pytest.MonkeyPatch, emulator: Any) -> None:
    """Live mode with both keys, the providers being the emulator."""
    monkeypatch.setenv("STORYREEL_BACKEND", "live")
    monkeypatch.setenv("OPENAI_API_KEY", OPENROUTER_KEY)
    monkeypatch.setenv("GOOGLE_STUDIO_API_KEY", GOOGLE_KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", f"{emulator.url}/v1")
    monkeypatch.setenv("STORYREEL_GOOGLE__BASE_URL", f"{emulator.url}/")


@pytest.mark.usefixtures("live")
def test_video_above_the_limit_without_a_terminal_is_refused_before_submitting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    monkeypatch.setenv("STORYREEL_VIDEO__CONFIRM_ABOVE_USD", "0.5")

    code, out, err = run_cli(capsys, "video", "a red kite", "--duration", "8")

    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Estimated cost of the clip: $0.80 (8 s of veo-3.1-fast-generate-001)"
    assert lines[-1] == (
        "error: the estimated cost ($0.80) is above video.confirm_above_usd ($0.50) and there "
        "is no terminal to ask: pass --yes to go ahead"
    )
    assert submissions(emulator) == 0


@pytest.mark.usefixtures("live")
def test_video_yes_goes_ahead_above_the_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    monkeypatch.setenv("STORYREEL_VIDEO__CONFIRM_ABOVE_USD", "0.5")

    code, out, err = run_cli(capsys, "video", "a red kite", "--duration", "4", "--yes")

    assert code == 0, err
    assert "Estimated cost of the clip: $0.40 (4 s of veo-3.1-fast-generate-001)" in err
    assert Path(out.strip()).is_file()
    assert submissions(emulator) == 1


def test_video_collecting_an_operation_shows_no_estimate(
    capsys: pytest.CaptureFixture[str], emulator: Any
) -> None:
    code, _, first = run_cli(capsys, "video", "a red kite", "--duration", "4")
    assert code == 0, first
    name = next(
        line.removeprefix("submitted as ")
        for line in first.splitlines()
        if line.startswith("submitted as ")
    )

    code, _, again = run_cli(capsys, "video", "a red kite", "--duration", "4", "--operation", name)

    assert code == 0, again
    assert "Estimated cost" not in again
    assert submissions(emulator) == 1


def test_offline_never_asks_whatever_the_limit(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, env: Path, emulator: Any
) -> None:
    monkeypatch.setenv("STORYREEL_VIDEO__CONFIRM_ABOVE_USD", "0")

    video_code, _, video_err = run_cli(capsys, "video", "a red kite", "--duration", "4")
    make_code, _, make_err = run_cli(capsys, "make", "a kite festival", "--segments", "1", "--json")

    assert video_code == 0, video_err
    assert make_code == 0, make_err
    for err in (video_err, make_err):
        assert "(offline: nothing is billed)" in err
        assert "confirm_above_usd" not in err
        assert "Spend " not in err
    assert len(SqliteJobStore.in_output_dir(env).list_jobs()) == 1
    assert submissions(emulator) == 2


@pytest.mark.usefixtures("live")
def test_the_readme_live_example_passes_the_default_limit_without_a_terminal(
    capsys: pytest.CaptureFixture[str], env: Path, emulator: Any
) -> None:
    # The job is stopped at its story (OpenRouter refuses it): what is checked is that the
    # defaults let it start, without --yes and without a terminal to ask on.
    refuse = {"route": "chat.completions", "kind": "status", "status": 400, "times": 5}
    control(emulator, "/_emulator/faults", [refuse])

    code, _, err = run_cli(capsys, "make", "a kite festival")

    assert "confirm_above_usd" not in err
    estimate = next(line for line in err.splitlines() if line.startswith("Estimated cost"))
    assert "40 s of veo-3.1-fast-generate-001" in estimate
    assert len(SqliteJobStore.in_output_dir(env).list_jobs()) == 1
    assert code == 1  # the story was refused
    assert submissions(emulator) == 0
