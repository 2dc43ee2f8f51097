"""The processes of bench/workers.py, on loopback: a throwaway PostgreSQL cluster and Redis
server, a standalone emulator, `storyreel serve` and `storyreel worker`s. Each storyreel
process runs in a process group of its own with its stderr in a file; every one is stopped
when the bench ends, by an error, Ctrl-C or SIGTERM too."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx

_STRIPPED = ("STORYREEL_", "OPENAI_", "GOOGLE_", "OPENROUTER_", "SCRIPT_MODEL")
START_TIMEOUT_S = 90.0
_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def storyreel_env(**settings: str | float) -> dict[str, str]:
    """This environment without any storyreel or provider setting, plus ``settings``:
    ``jobs__queue="celery"`` becomes ``STORYREEL_JOBS__QUEUE=celery``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_STRIPPED)}
    for name, value in settings.items():
        env[f"STORYREEL_{name.upper()}"] = str(value)
    return env


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system, all threads) process ``pid`` has used; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS_PER_S


def tree_cpu_s(root_pid: int) -> float:
    """CPU seconds the live processes under ``root_pid`` (and it) have used: the workers,
    the emulator, the API, PostgreSQL's backends, Redis."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / _TICKS_PER_S
    total = 0.0
    for pid, seconds in used.items():
        ancestor = pid
        while ancestor not in (root_pid, 0, 1) and ancestor in parents:
            ancestor = parents[ancestor]
        if ancestor == root_pid:
            total += seconds
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, all cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle, iowait
    total = sum(values[:8])  # without guest time, which user time already counts
    return (total - idle) / _TICKS_PER_S, total / _TICKS_PER_S


@dataclass
class Proc:
    """One storyreel process (the leader of its own process group), its stderr in ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout_s: float = START_TIMEOUT_S) -> re.Match[str]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = re.search(pattern, self.text())
            if found:
                return found
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}): {self.tail()}")
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} never printed {pattern!r}: {self.tail()}")

    def tail(self) -> str:
        return self.text()[-2000:]

    def stop(self, timeout_s: float = 20) -> None:
        """SIGTERM to the group, SIGKILL if it lingers; reaped either way."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=timeout_s)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # stragglers of the group too
        self.popen.wait(timeout=10)


@dataclass
class Processes:
    """The storyreel processes the bench started; :meth:`stop_all` stops what is left."""

    root: Path
    started: list[Proc] = field(default_factory=list)

    def start(self, name: str, *args: str, env: Mapping[str, str]) -> Proc:
        """``storyreel ARGS`` (as ``python -m storyreel.cli``)."""
        log = self.root / f"{name}.log"
        with log.open("wb") as err:
            popen = subprocess.Popen(
                [sys.executable, "-m", "storyreel.cli", *args],
                cwd=self.root,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=err,
                start_new_session=True,
            )
        proc = Proc(name, popen, log)
        self.started.append(proc)
        return proc

    def emulator(self, *, video_latency_s: float, state_dir: Path, env: Mapping[str, str]) -> str:
        """A standalone emulator keeping its operations in ``state_dir``; its URL."""
        args = ["emulator", "--port", "0", "--video-latency", str(video_latency_s)]
        proc = self.start("emulator", *args, "--state-dir", str(state_dir), env=env)
        url = proc.wait_for(r"http://127\.0\.0\.1:\d+").group(0)
        _wait_until_up(f"{url}/_emulator/stats", proc)
        return url

    def api(self, env: Mapping[str, str]) -> tuple[str, Proc]:
        """`storyreel serve` on a free port, answering; its URL and process."""
        proc = self.start("api", "serve", "--port", "0", env=env)
        url = proc.wait_for(r"http://127\.0\.0\.1:\d+").group(0)
        _wait_until_up(f"{url}/healthz", proc)
        return url, proc

    def workers(self, count: int, concurrency: int, env: Mapping[str, str], tag: str) -> list[Proc]:
        """``count`` `storyreel worker` processes, started together; once each is ready."""
        args = ["worker", "--concurrency", str(concurrency)]
        procs = [self.start(f"{tag}-worker-{n}", *args, env=env) for n in range(count)]
        for proc in procs:
            proc.wait_for(r"ready\.")
        return procs

    def stop(self, procs: list[Proc]) -> None:
        for proc in procs:  # SIGTERM to all first: they shut down side by side
            if proc.popen.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.popen.pid, signal.SIGTERM)
        for proc in procs:
            proc.stop()
            self.started.remove(proc)

    def stop_all(self) -> None:
        self.stop(list(reversed(self.started)))


def _wait_until_up(url: str, proc: Proc) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.popen.poll() is not None:
            raise RuntimeError(f"{proc.name} exited ({proc.popen.returncode}): {proc.tail()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_S:.0f} s: {proc.tail()}")


@dataclass
class Services:
    """The shared servers: a job store database (at the current schema) and a broker."""

    store_url: str
    broker_url: str


@contextlib.contextmanager
def services(root: Path) -> Iterator[Services]:
    """PostgreSQL and Redis from the system's binaries, in ``root``, stopped at the end."""
    from storyreel.db_schema import upgrade
    from storyreel.testing.servers import PostgresServer, RedisServer

    postgres = PostgresServer(root / "postgres")
    redis = RedisServer(root / "redis")
    try:
        (root / "postgres").mkdir()
        postgres.start()
        redis.start()
        store_url = postgres.create_database()
        upgrade(store_url)
        yield Services(store_url, redis.url())
    finally:
        redis.stop()
        postgres.stop()


@contextlib.contextmanager
def bench_root() -> Iterator[Path]:
    """A temporary folder for everything (PostgreSQL, run as the ``postgres`` user when this
    runs as root, must be able to enter it); SIGTERM ends the bench as Ctrl-C does, so that
    every process it started is stopped and the folder removed."""

    def stop(signum: int, frame: FrameType | None) -> Any:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, stop)
    root = Path(tempfile.mkdtemp(prefix="storyreel-bench-workers-"))
    root.chmod(0o755)
    try:
        yield root
    except BaseException:
        logs = Path(tempfile.mkdtemp(prefix="storyreel-bench-workers-logs-"))
        for log in root.glob("*.log"):
            shutil.copy(log, logs)
        print(f"the processes' logs are in {logs}", file=sys.stderr)
        raise
    finally:
        signal.signal(signal.SIGTERM, previous)
        if os.environ.get("STORYREEL_BENCH_KEEP"):
            print(f"kept {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
