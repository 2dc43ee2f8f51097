"""Live mode asks only for the key a command uses (the API's routes: tests/api). The "live"
providers here are the emulator on loopback (OPENROUTER_BASE_URL and google.base_url point at
it), so no test leaves the machine; a command missing the key it needs stops before any
request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_support import control, emulator_stats, run_cli, storyreel_env, use_env

OPENROUTER_KEY = "sk-or-v1-TESTKEY-live-credentials-0123456789"
GOOGLE_KEY = "AQ.TESTKEY-live-credentials-google-0123456789"


def requests_made(server: Any) -> int:
    """Every request the emulator answered, all routes together."""
    by_route: dict[str, int] = emulator_stats(server)["requests"]
    return sum(by_route.values())


@pytest.fixture(autouse=True)
def live(emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_output: Path) -> Path:
    """Live mode, no keys yet, both providers' URLs on the emulator."""
    env = storyreel_env(
        tmp_output, backend=None, poll_initial_s=0.05, google__base_url=f"{emulator.url}/"
    )
    env["OPENROUTER_BASE_URL"] = f"{emulator.url}/v1"
    use_env(monkeypatch, env, cwd=tmp_path)  # no ./config.yml, no .env
    control(emulator, "/_emulator/reset", {})
    return tmp_output


def test_live_meme_needs_only_the_openrouter_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENROUTER_KEY)

    code, out, err = run_cli(capsys, "--backend", "live", "meme", "x", "--json")

    assert code == 0, err
    assert "GOOGLE_STUDIO_API_KEY" not in err
    assert json.loads(out)["caption"]
    assert requests_made(emulator) >= 1  # it really called the (emulated) provider


def test_live_jobs_needs_no_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    monkeypatch.setenv("STORYREEL_BACKEND", "live")

    code, out, err = run_cli(capsys, "jobs", "--json")

    assert (code, err) == (0, "")
    assert json.loads(out) == []
    assert requests_made(emulator) == 0


def test_live_video_without_the_google_key_names_it_and_submits_nothing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENROUTER_KEY)

    code, _, err = run_cli(capsys, "--backend", "live", "video", "a red kite", "--yes")

    assert code == 78
    assert err.count("\n") == 1
    assert "GOOGLE_STUDIO_API_KEY" in err
    assert "OPENAI_API_KEY" not in err
    assert requests_made(emulator) == 0


def test_live_make_names_the_missing_openrouter_key_before_anything(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, emulator: Any, live: Path
) -> None:
    monkeypatch.setenv("GOOGLE_STUDIO_API_KEY", GOOGLE_KEY)

    code, _, err = run_cli(capsys, "--backend", "live", "make", "a kite festival", "--yes")

    assert code == 78
    assert err == ("error: backend is 'live': set OPENAI_API_KEY to your OpenRouter API key.\n")
    assert requests_made(emulator) == 0
    assert list(live.iterdir()) == []


def test_live_config_check_still_reports_every_missing_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPENROUTER_KEY)

    code, _, err = run_cli(capsys, "--backend", "live", "config", "check")
    assert code == 78
    assert "GOOGLE_STUDIO_API_KEY" in err

    monkeypatch.delenv("OPENAI_API_KEY")
    code, _, err = run_cli(capsys, "--backend", "live", "config", "check")
    assert code == 78
    assert "OPENAI_API_KEY" in err
    assert "GOOGLE_STUDIO_API_KEY" in err


@pytest.mark.parametrize("command", [["meme", "x"], ["story", "a kite"], ["ideas", "kites"]])
def test_live_writing_without_the_openrouter_key_names_only_it(
    capsys: pytest.CaptureFixture[str], emulator: Any, command: list[str]
) -> None:
    code, out, err = run_cli(capsys, "--backend", "live", *command)

    assert code == 78
    assert out == ""
    assert err == "error: backend is 'live': set OPENAI_API_KEY to your OpenRouter API key.\n"
    assert requests_made(emulator) == 0
