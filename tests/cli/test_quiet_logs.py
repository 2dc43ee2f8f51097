"""Log lines reach stderr only with -v: without it a command prints its own messages only.
Run through the console script's entry point in a fresh process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest


def control(server: Any, path: str, body: Any = None) -> Any:
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        response = http.post(path, json=body) if body is not None else http.get(path)
    response.raise_for_status()
    return response.json()


def storyreel(tmp_path: Path, emulator: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("STORYREEL_") and k not in ("OPENAI_API_KEY", "GOOGLE_STUDIO_API_KEY")
    }
    env.update(
        STORYREEL_BACKEND="offline",
        STORYREEL_EMULATOR__URL=emulator.url,
        STORYREEL_OUTPUT_DIR=str(tmp_path / "output"),
        STORYREEL_VIDEO__DURATION_SECONDS="4",
        STORYREEL_VIDEO__POLL_INITIAL_S="0.05",
        STORYREEL_VIDEO__POLL_MAX_S="0.2",
    )
    return subprocess.run(
        [sys.executable, "-c", "from storyreel.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("verbose", [False, True])
def test_log_lines_only_with_verbose(tmp_path: Path, emulator: Any, verbose: bool) -> None:
    control(emulator, "/_emulator/reset", {})
    # A clip that fails makes the job partial, which the job layer logs as a warning.
    failing = {"route": "fetchPredictOperation", "kind": "operation_error", "times": 1}
    control(emulator, "/_emulator/faults", [failing])
    flags = ["-v"] if verbose else []

    done = storyreel(tmp_path, emulator, *flags, "make", "a kite festival", "--segments", "2")

    assert done.returncode == 3, done.stderr
    assert "job " in done.stderr  # the CLI's own message: which job, where
    logged = [line for line in done.stderr.splitlines() if " storyreel." in line]
    if verbose:
        assert any(" WARNING storyreel.jobs." in line for line in logged), done.stderr
    else:
        assert logged == []
        assert "WARNING" not in done.stderr
        assert "INFO" not in done.stderr
    control(emulator, "/_emulator/reset", {})
