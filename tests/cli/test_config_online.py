"""`storyreel config check --online`: one free call per provider, reported as working,
refused or unreachable, never showing a key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from emulator_control import EmulatorControl
from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.emulator import EmulatorServer
from storyreel.settings import Settings, load_settings

OPENROUTER_KEY = "sk-or-v1-TESTKEY-online-0123456789abcdef0123"
GOOGLE_KEY = "AQ.TESTKEY-online-google-0123456789abcdef"


def invoke(settings: Settings, *args: str) -> Result:
    cli_app._register()
    return CliRunner().invoke(
        cli_app.app, ["config", "check", "--online", *args], obj=CliState(_settings=settings)
    )


def live_settings(output: Path, openrouter_url: str, google_url: str) -> Settings:
    data: dict[str, Any] = {
        "backend": "live",
        "output_dir": str(output),
        "openrouter": {"base_url": openrouter_url, "max_retries": 0, "timeout_s": 5},
        "google": {"base_url": google_url, "max_retries": 0, "timeout_s": 5},
    }
    env = {"OPENAI_API_KEY": OPENROUTER_KEY, "GOOGLE_STUDIO_API_KEY": GOOGLE_KEY}
    return load_settings(data, config_file=None, env=env, dotenv=None)


@pytest.fixture
def control(emulator: EmulatorServer) -> Any:
    driver = EmulatorControl(emulator)
    driver.reset()
    yield driver
    driver.reset()
    driver.close()


def test_online_check_offline_is_answered_by_the_emulator(offline_settings: Settings) -> None:
    result = invoke(offline_settings, "--json")
    assert result.exit_code == 0, result.output
    checks = json.loads(result.stdout)["checks"]
    assert [(c["provider"], c["outcome"]) for c in checks] == [
        ("openrouter", "working"),
        ("google", "working"),
    ]
    assert checks[1]["call"] == f"models.get {offline_settings.google.video_model}"


def test_online_check_reports_refused_keys_with_the_reason_and_never_the_key(
    tmp_output: Path, emulator: EmulatorServer, control: EmulatorControl
) -> None:
    control.faults(
        {"route": "key", "kind": "status", "status": 401, "times": 0},
        {"route": "models.get", "kind": "status", "status": 403, "times": 0},
    )
    settings = live_settings(tmp_output, emulator.url + "/api/v1", emulator.url)
    result = invoke(settings)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    refused = [line for line in lines if "refused" in line]
    assert len(refused) == 2, result.stdout
    assert "check OPENAI_API_KEY" in refused[0]
    assert "HTTP 403" in refused[1]
    assert OPENROUTER_KEY not in result.output
    assert GOOGLE_KEY not in result.output
    assert control.stats()["requests"]["key"] == 1
    assert control.stats()["requests"]["models.get"] == 1


def test_online_check_reports_unreachable_services(tmp_output: Path) -> None:
    # Nothing listens on port 9 of loopback: the connection is refused at once.
    settings = live_settings(tmp_output, "http://127.0.0.1:9/api/v1", "http://127.0.0.1:9")
    result = invoke(settings, "--json")
    assert result.exit_code == 1, result.output
    checks = json.loads(result.stdout)["checks"]
    assert [c["outcome"] for c in checks] == ["unreachable", "unreachable"]
    assert OPENROUTER_KEY not in result.output
