"""The examples run as their users would run them: the pipeline script, and the two host
projects' own test suites (each with its own pytest configuration)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without storyreel's or the providers' settings, plus ``extra``."""
    prefixes = ("STORYREEL_", "OPENAI_", "OPENROUTER_", "GOOGLE_", "SCRIPT_MODEL", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **extra}


def run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=clean_env(**env),
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.slow
def test_examples_pipeline_script_makes_a_video(tmp_path: Path) -> None:
    result = run(
        [str(EXAMPLES / "pipeline_script.py"), "a paper boat", "--segments", "2"],
        tmp_path,
        STORYREEL_EMULATOR__VIDEO_LATENCY_S="0.3",
        STORYREEL_VIDEO__POLL_INITIAL_S="0.1",
    )
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(":", 1) for line in result.stdout.splitlines() if ": " in line)
    manifest = Path(lines["manifest"].strip())
    assert manifest.is_relative_to(tmp_path)
    document = json.loads(manifest.read_text())
    assert document["status"] == "succeeded"
    assert [clip["path"] for clip in document["clips"]] == [
        "clips/segment-01.mp4",
        "clips/segment-02.mp4",
    ]
    assert Path(lines["clip  2"].strip()).read_bytes()[4:8] == b"ftyp"
    assert Path(lines["thumbnail"].strip()).is_file()
    assert "Warning" not in result.stderr


@pytest.mark.slow
@pytest.mark.parametrize(("example", "tests"), [("host_fastapi", 3), ("host_tests", 3)])
def test_examples_host_test_suite_passes(tmp_path: Path, example: str, tests: int) -> None:
    result = run(["-m", "pytest", "-q", f"--basetemp={tmp_path / 'basetemp'}"], EXAMPLES / example)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{tests} passed" in result.stdout
