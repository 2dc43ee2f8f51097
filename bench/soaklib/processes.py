"""The soak's subprocesses: the emulator and ``storyreel serve``, each the leader of its own
process group on loopback, the server killed and restarted; and the server's peak RSS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .leaks import FakeSecret
from .settings import (
    HEARTBEAT_S,
    LEASE_S,
    RSS_SAMPLE_S,
    START_TIMEOUT_S,
    STOP_GRACE_S,
    STOP_TIMEOUT_S,
    VIDEO_LATENCY_S,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def storyreel_command() -> list[str]:
    script = Path(sys.executable).with_name("storyreel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "storyreel.cli"]


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without anything storyreel or the SDKs would read."""
    dropped = ("STORYREEL_", "OPENAI_", "OPENROUTER_", "GOOGLE_", "SCRIPT_MODEL")
    keep = {key: value for key, value in os.environ.items() if not key.startswith(dropped)}
    return {**keep, **extra}


class Processes:
    """Every subprocess this soak started, each the leader of its own process group."""

    def __init__(self) -> None:
        self._started: list[subprocess.Popen[bytes]] = []

    def spawn(
        self, args: list[str], env: dict[str, str], cwd: Path, log: Path
    ) -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            process = subprocess.Popen(
                args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self._started.append(process)
        return process

    @staticmethod
    def signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def stop(self, process: subprocess.Popen[bytes], timeout_s: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM the group, then SIGKILL it if it is still there after ``timeout_s``."""
        if process.poll() is None:
            self.signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                self.signal_group(process, signal.SIGKILL)
                process.wait()

    def stop_all(self) -> None:
        for process in reversed(self._started):
            self.stop(process, timeout_s=5.0)


async def wait_healthy(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    async with httpx.AsyncClient(timeout=2.0) as http:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited with {process.returncode} while starting")
            with contextlib.suppress(httpx.TransportError):
                if (await http.get(url)).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} within {START_TIMEOUT_S:.0f} s")


class Server:
    """``storyreel serve``, killed and restarted on a new port; ``up`` while it answers."""

    def __init__(self, processes: Processes, env: dict[str, str], workdir: Path) -> None:
        self._processes = processes
        self._env = env
        self._workdir = workdir
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.up = asyncio.Event()
        self.incarnation = 0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    async def start(self) -> None:
        self.incarnation += 1
        port = free_port()
        args = [*storyreel_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        log = self._workdir / f"serve-{self.incarnation}.log"
        self.process = self._processes.spawn(args, self._env, self._workdir, log)
        self.url = f"http://127.0.0.1:{port}"
        await wait_healthy(f"{self.url}/healthz", self.process, "storyreel serve")
        self.up.set()

    def kill(self) -> None:
        """SIGKILL, and reap it: a zombie's pid still looks alive to the next server."""
        assert self.process is not None
        self.up.clear()
        Processes.signal_group(self.process, signal.SIGKILL)
        self.process.wait()

    def freeze(self) -> subprocess.Popen[bytes]:
        """SIGSTOP the group; the caller starts a replacement, then ``end_frozen`` it."""
        assert self.process is not None
        self.up.clear()
        Processes.signal_group(self.process, signal.SIGSTOP)
        return self.process

    def end_frozen(self, process: subprocess.Popen[bytes]) -> int | None:
        """SIGTERM (then SIGKILL) a process ``freeze`` stopped and that has been SIGCONTed."""
        self._processes.stop(process)
        return process.returncode

    def stop(self) -> int | None:
        if self.process is None:
            return None
        self.up.clear()
        self._processes.stop(self.process)
        return self.process.returncode


class RssSampler:
    """The highest VmHWM (or VmRSS) seen of the server's current process."""

    def __init__(self) -> None:
        self.peak_kb = 0

    def sample(self, pid: int | None) -> None:
        if pid is None:
            return
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return
        for line in status.splitlines():
            if line.startswith(("VmHWM:", "VmRSS:")):
                self.peak_kb = max(self.peak_kb, int(line.split()[1]))

    async def run(self, server: Server) -> None:
        while True:
            self.sample(server.pid)
            await asyncio.sleep(RSS_SAMPLE_S)


def server_env(
    workdir: Path,
    emulator_url: str,
    fakes: list[FakeSecret],
    *,
    store_url: str | None = None,
    broker_url: str | None = None,
) -> dict[str, str]:
    """The settings of ``storyreel serve`` (and, in workers mode, of every `storyreel worker`:
    given ``store_url`` and ``broker_url``, jobs go through Celery to the workers, recorded in
    PostgreSQL, their files in the output folder they all reach on this machine)."""
    distributed = {}
    if store_url is not None and broker_url is not None:
        distributed = {
            "STORYREEL_JOBS__QUEUE": "celery",
            "STORYREEL_JOBS__BROKER_URL": broker_url,
            "STORYREEL_JOBS__STORE_URL": store_url,
            "STORYREEL_JOBS__SHARED_OUTPUT": "true",
            # A job whose message died with a worker that had just taken it is sent again
            # within the run, not after the default ten minutes.
            "STORYREEL_JOBS__RESEND_AFTER_S": "20",
        }
    return clean_env(
        STORYREEL_EMULATOR__URL=emulator_url,
        STORYREEL_OUTPUT_DIR=str(workdir / "output"),
        STORYREEL_VIDEO__POLL_INITIAL_S="0.2",
        STORYREEL_VIDEO__POLL_MAX_S="0.5",
        STORYREEL_LOG_LEVEL="INFO",
        STORYREEL_JOBS__LEASE_S=str(LEASE_S),
        STORYREEL_JOBS__HEARTBEAT_S=str(HEARTBEAT_S),
        STORYREEL_JOBS__STOP_GRACE_S=str(STOP_GRACE_S),
        **{fake.env: fake.value for fake in fakes if not fake.env.startswith("SOAK_")},
        **distributed,
    )


async def start_emulator(processes: Processes, workdir: Path) -> str:
    port = free_port()
    args = [*storyreel_command(), "emulator", "--host", "127.0.0.1", "--port", str(port)]
    args += ["--video-latency", str(VIDEO_LATENCY_S)]
    process = processes.spawn(args, clean_env(), workdir, workdir / "emulator.log")
    url = f"http://127.0.0.1:{port}"
    await wait_healthy(f"{url}/_emulator/stats", process, "storyreel emulator")
    return url
