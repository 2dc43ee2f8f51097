"""Running storyreel from the CLI tests as a user does: the console script in a fresh process
with a clean environment, or its entry point in-process; and what those tests read back (the
job store while a process runs, the emulator's counters)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import httpx2
import pytest

from storyreel.config_files import LEGACY_ENV
from storyreel.jobs.models import StepRecord
from storyreel.jobs.sqlite import SqliteJobStore

# A developer's own settings and keys must not reach a test: storyreel's variables, the
# original connectors' names it still reads, and the providers' SDKs' own variables.
_STRIPPED_PREFIXES = ("STORYREEL_", "OPENAI_", "GOOGLE_")


def storyreel_argv(*args: str) -> list[str]:
    """``storyreel ARGS`` as a command line for a fresh Python process."""
    return [sys.executable, "-m", "storyreel.cli", *args]


def clean_env() -> dict[str, str]:
    """This process's environment without any setting or key storyreel would read."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_STRIPPED_PREFIXES) and name not in LEGACY_ENV
    }


def storyreel_env(
    output_dir: Path,
    *,
    backend: str | None = "offline",
    emulator_url: str | None = None,
    poll_initial_s: float | None = None,
    poll_max_s: float | None = None,
    **settings: str | float,
) -> dict[str, str]:
    """A clean environment that sets the backend, the output folder, the emulator's URL and
    the video poll intervals when given; each keyword of ``settings`` is one more setting,
    ``narration__enabled="false"`` becoming ``STORYREEL_NARRATION__ENABLED=false``."""
    env = clean_env()
    given: dict[str, str | float | None] = {
        "backend": backend,
        "output_dir": str(output_dir),
        "emulator__url": emulator_url,
        "video__poll_initial_s": poll_initial_s,
        "video__poll_max_s": poll_max_s,
        **settings,
    }
    for name, value in given.items():
        if value is not None:
            env[f"STORYREEL_{name.upper()}"] = str(value)
    return env


def use_env(
    monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str], *, cwd: Path | None = None
) -> None:
    """Make ``env`` this process's whole environment for one test, and ``cwd`` (a folder with
    no config.yml and no .env) its working folder when given."""
    if cwd is not None:
        monkeypatch.chdir(cwd)
    for name in [name for name in os.environ if name not in env]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def run_storyreel(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``storyreel ARGS`` run to its end in ``cwd``; by default with a clean environment."""
    return subprocess.run(
        storyreel_argv(*args),
        cwd=cwd,
        env=clean_env() if env is None else dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_storyreel(cwd: Path, *args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """``storyreel ARGS`` started in ``cwd`` and left running, its stdout and stderr piped."""
    return subprocess.Popen(
        storyreel_argv(*args),
        cwd=cwd,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``storyreel ARGS`` in this process through the console script's entry point: its exit
    status, stdout and stderr."""
    from storyreel.cli import app as cli_app

    with pytest.raises(SystemExit) as exited:
        cli_app.run(list(args))
    code = exited.value.code
    out, err = capsys.readouterr()
    return (code if isinstance(code, int) else (0 if code is None else 1)), out, err


def wait_for_steps(
    store_path: Path,
    process: subprocess.Popen[str],
    seen: Callable[[list[StepRecord]], bool],
    *,
    what: str = "the job never reached the awaited state",
    timeout_s: float = 60,
    interval_s: float = 0.05,
) -> tuple[str, list[StepRecord]]:
    """The id and steps of the first job in the store whose steps ``seen`` accepts, read while
    ``process`` (which writes the store) is still running; ``what`` is the failure's message."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if store_path.exists():
            store = SqliteJobStore(store_path)
            try:
                for job in store.list_jobs():
                    steps = store.steps(job.id)
                    if seen(steps):
                        return job.id, steps
            finally:
                store.close()
        time.sleep(interval_s)
    raise AssertionError(what)


def control(server: Any, path: str, body: Any = None) -> Any:
    """POST ``body`` to one of the emulator's control endpoints, or GET it without a body."""
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        response = http.post(path, json=body) if body is not None else http.get(path)
    response.raise_for_status()
    return response.json()


def emulator_stats(server: Any) -> dict[str, Any]:
    """The emulator's counters: requests by route, paid submissions, speech requests."""
    return dict(control(server, "/_emulator/stats"))
