"""`storyreel config show|check`, `--version`, and how config errors reach the user."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

from storyreel import __version__

OPENROUTER_KEY = "sk-or-v1-TESTKEY-cli-0123456789abcdef0123"
GOOGLE_KEY = "AQ.TESTKEY-cli-google-0123456789abcdef"


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):  # type: ignore[no-untyped-def]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    for name in ("OPENAI_API_KEY", "GOOGLE_STUDIO_API_KEY", "OPENROUTER_BASE_URL", "SCRIPT_MODEL"):
        clean.pop(name, None)
    clean.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", "from storyreel.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd,
        check=False,
        timeout=60,
    )


def test_cli_version() -> None:
    done = run_cli("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"storyreel {__version__}"


def test_cli_config_show_is_yaml_with_sources_and_no_secrets(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yml"
    cfg.write_text("video:\n  concurrency: 2\n")
    env = {
        "STORYREEL_CONFIG": str(cfg),
        "OPENAI_API_KEY": OPENROUTER_KEY,
        "STORYREEL_VIDEO__POLL_MAX_S": "9",
    }
    done = run_cli("config", "show", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert OPENROUTER_KEY not in done.stdout + done.stderr
    shown = yaml.safe_load(done.stdout)
    assert shown["openrouter"]["api_key"] == "set"
    assert shown["google"]["api_key"] == "not set"
    assert shown["video"]["concurrency"] == 2
    assert shown["video"]["poll_max_s"] == 9
    lines = done.stdout.splitlines()
    assert any(line.strip().startswith("concurrency: 2  # " + str(cfg)) for line in lines)
    assert any("poll_max_s" in line and "STORYREEL_VIDEO__POLL_MAX_S" in line for line in lines)
    assert any("api_key: set  # environment (OPENAI_API_KEY)" in line for line in lines)


def test_cli_config_check_live_without_keys_fails_naming_variable(tmp_path: Path) -> None:
    done = run_cli("--backend", "live", "config", "check", cwd=tmp_path)
    assert done.returncode == 78
    assert "OPENAI_API_KEY" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_config_check_live_with_keys_passes_without_showing_them(tmp_path: Path) -> None:
    env = {"OPENAI_API_KEY": OPENROUTER_KEY, "GOOGLE_STUDIO_API_KEY": GOOGLE_KEY}
    done = run_cli("--backend", "live", "config", "check", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "configuration OK" in done.stdout
    assert OPENROUTER_KEY not in done.stdout + done.stderr
    assert GOOGLE_KEY not in done.stdout + done.stderr


def test_cli_config_check_says_which_way_each_google_call_goes(tmp_path: Path) -> None:
    env = {
        "OPENAI_API_KEY": OPENROUTER_KEY,
        "GOOGLE_STUDIO_API_KEY": GOOGLE_KEY,
        "STORYREEL_GOOGLE__PROJECT": "proj-7",
    }
    done = run_cli("--backend", "live", "config", "check", env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = {line.split(":", 1)[0]: line for line in done.stdout.splitlines()}
    assert "express mode" in lines["google text"]
    assert "express mode" in lines["google image"]
    assert "project proj-7 in us-central1" in lines["google video"]
    assert "express mode" in lines["google voice"]
    assert GOOGLE_KEY not in done.stdout + done.stderr


def test_cli_config_errors_are_one_clear_message(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.yml"
    cfg.write_text("video:\n  concurrency: many\n")
    done = run_cli("--config", str(cfg), "config", "check", cwd=tmp_path)
    assert done.returncode == 78
    assert "Traceback" not in done.stderr
    assert "key 'video.concurrency'" in done.stderr
    assert str(cfg) in done.stderr

    missing = run_cli("config", "show", env={"STORYREEL_CONFIG": str(tmp_path / "absent.yml")})
    assert missing.returncode == 78
    assert str(tmp_path / "absent.yml") in missing.stderr


def test_cli_secret_in_error_output_is_redacted(tmp_path: Path) -> None:
    cfg = tmp_path / "config.yml"
    cfg.write_text(f"google:\n  api_key: {GOOGLE_KEY}\n")
    done = run_cli("--config", str(cfg), "config", "show", cwd=tmp_path)
    assert done.returncode == 78
    assert GOOGLE_KEY not in done.stdout + done.stderr
    assert "GOOGLE_STUDIO_API_KEY" in done.stderr
