"""Processes of a setup past one machine, for the worker tests: a standalone emulator, the
API and `storyreel worker`s, each a real OS process in a process group of its own (so that a
SIGKILL takes all of it), with its stderr in a file the test can read."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.jobs.store import JobStore

_STRIPPED = ("STORYREEL_", "OPENAI_", "GOOGLE_", "OPENROUTER_", "SCRIPT_MODEL")


def postgres_store_ready() -> bool:
    """Whether this tree has the PostgreSQL job store (the tests then share one database;
    else the SQLite file of a shared output folder, which serves processes on one machine)."""
    import importlib.util

    return importlib.util.find_spec("storyreel.jobs.postgres") is not None


def shared_store(request: pytest.FixtureRequest) -> dict[str, str]:
    """Settings naming the store every process of a test shares: a fresh PostgreSQL
    database at the current schema when the PostgreSQL store exists, else none (SQLite)."""
    if not postgres_store_ready():
        return {}
    from storyreel.db_schema import upgrade

    url: str = request.getfixturevalue("postgres_url")
    upgrade(url)
    return {"jobs__store_url": url}


def open_store(output_dir: Path, settings: Mapping[str, str]) -> JobStore:
    """The store of ``settings`` (from :func:`shared_store`), opened in this process."""
    url = settings.get("jobs__store_url")
    if url is None:
        return SqliteJobStore.in_output_dir(output_dir)
    from storyreel.jobs.postgres import PostgresJobStore

    return PostgresJobStore(url)


def worker_env(output_dir: Path, **settings: str | float) -> dict[str, str]:
    """A clean environment with storyreel's settings: ``jobs__queue="celery"`` becomes
    ``STORYREEL_JOBS__QUEUE=celery``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIPPED)}
    # Every process of a test runs on this machine: the output folder reaches them all.
    given: dict[str, str | float] = {
        "backend": "offline",
        "output_dir": str(output_dir),
        "jobs__shared_output": "true",
    }
    for name, value in {**given, **settings}.items():
        env[f"STORYREEL_{name.upper()}"] = str(value)
    return env


@dataclass
class Proc:
    """One storyreel process, its stderr in ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout_s: float = 60) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}): {self.text()}")
            time.sleep(0.05)
        raise AssertionError(f"{self.name} never printed {pattern!r}: {self.text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL the whole process group, and reap it (a zombie still counts as alive)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.kill()


@dataclass
class Processes:
    """Every process a test started; all stopped at the end."""

    root: Path
    started: list[Proc] = field(default_factory=list)

    def start(self, name: str, *args: str, env: Mapping[str, str]) -> Proc:
        """``storyreel ARGS``."""
        return self.start_module(name, "storyreel.cli", *args, env=env)

    def start_module(
        self, name: str, module: str, *args: str, env: Mapping[str, str], cwd: Path | None = None
    ) -> Proc:
        """``python -m MODULE ARGS`` in ``cwd`` (the test's folder by default)."""
        log = self.root / f"{name}.log"
        with log.open("wb") as err:
            popen = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=cwd or self.root,
                env=dict(env),
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        proc = Proc(name, popen, log)
        self.started.append(proc)
        return proc

    def emulator(self, *, video_latency_s: float, env: Mapping[str, str]) -> str:
        """A standalone `storyreel emulator` on a free port; its URL."""
        proc = self.start(
            "emulator", "emulator", "--port", "0", "--video-latency", str(video_latency_s), env=env
        )
        return proc.wait_for(r"http://127\.0\.0\.1:\d+").group(0)

    def api(self, env: Mapping[str, str]) -> str:
        """`storyreel serve` on a free port, answering; its URL."""
        proc = self.start("api", "serve", "--port", "0", env=env)
        url = proc.wait_for(r"http://127\.0\.0\.1:\d+").group(0)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx2.TransportError):
                if httpx2.get(f"{url}/healthz", timeout=2).status_code == 200:
                    return url
            time.sleep(0.1)
        raise AssertionError(f"the API never answered: {proc.text()}")

    def workers(self, count: int, env: Mapping[str, str], *args: str) -> list[Proc]:
        """``count`` `storyreel worker` processes, started together, each ready."""
        procs = [self.start(f"worker-{n}", "worker", *args, env=env) for n in range(count)]
        for proc in procs:
            proc.wait_for(r"ready\.")
        return procs

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop()


@contextlib.contextmanager
def processes(root: Path) -> Iterator[Processes]:
    running = Processes(root)
    try:
        yield running
    finally:
        running.stop_all()


def emulator_stats(url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx2.get(f"{url}/_emulator/stats", timeout=10).json()
    return stats


def submissions(container: Any) -> int:
    """The accepted (paid) Veo submissions so far of ``container``'s in-process emulator."""
    base = container.endpoints().openrouter_url.removesuffix("/v1")
    return int(emulator_stats(base)["video_submissions"])
