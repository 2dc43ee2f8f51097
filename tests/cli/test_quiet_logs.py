"""Log lines reach stderr only with -v: without it a command prints its own messages only.
Run through the console script's entry point in a fresh process, as a user runs it."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from cli_support import control, run_storyreel, storyreel_env


def storyreel(tmp_path: Path, emulator: Any, *args: str) -> subprocess.CompletedProcess[str]:
    env = storyreel_env(
        tmp_path / "output",
        emulator_url=emulator.url,
        poll_initial_s=0.05,
        poll_max_s=0.2,
        video__duration_seconds=4,
    )
    return run_storyreel(tmp_path, *args, env=env, timeout=120)


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
