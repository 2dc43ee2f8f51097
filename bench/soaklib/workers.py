"""Workers mode's `storyreel worker` processes: N started, each the leader of its own process
group with its output in ``worker-K.log``; one SIGKILLed and a replacement started, so that N
stay up; all SIGTERMed at the end, each expected to exit 0."""

from __future__ import annotations

import asyncio
import random
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from .processes import Processes, storyreel_command
from .settings import START_TIMEOUT_S, STOP_TIMEOUT_S, WORKER_CONCURRENCY

READY = re.compile(r"\bready\.")


@dataclass
class Worker:
    number: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def name(self) -> str:
        return f"worker-{self.number}"


class WorkerPool:
    """``size`` workers on the settings ``env``; ``rng`` (seeded) picks whom to kill."""

    def __init__(
        self, processes: Processes, env: dict[str, str], workdir: Path, size: int, seed: int
    ) -> None:
        self._processes = processes
        self._env = env
        self._workdir = workdir
        self.size = size
        self.rng = random.Random(f"soak-workers-{seed}")
        self.live: list[Worker] = []
        self.started = 0
        self.killed: list[Worker] = []

    async def start(self) -> None:
        """Start ``size`` workers together; return once each is ready."""
        await asyncio.gather(*(self.start_one() for _ in range(self.size)))

    async def start_one(self) -> Worker:
        self.started += 1
        number = self.started
        log = self._workdir / f"worker-{number}.log"
        args = [*storyreel_command(), "worker", "--concurrency", str(WORKER_CONCURRENCY)]
        process = self._processes.spawn(args, self._env, self._workdir, log)
        worker = Worker(number, process, log)
        await self._wait_ready(worker)
        self.live.append(worker)
        return worker

    async def _wait_ready(self, worker: Worker) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if worker.process.poll() is not None:
                tail = worker.log.read_text(errors="replace")[-800:]
                raise RuntimeError(
                    f"{worker.name} exited with {worker.process.returncode} while starting: {tail}"
                )
            if READY.search(worker.log.read_text(errors="replace")):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{worker.name} was not ready within {START_TIMEOUT_S:.0f} s")

    def by_pid(self, pid: int | None) -> Worker | None:
        return next((worker for worker in self.live if worker.pid == pid), None)

    def kill(self, worker: Worker) -> None:
        """SIGKILL the worker's group, and reap it (a zombie's pid still looks alive)."""
        Processes.signal_group(worker.process, signal.SIGKILL)
        worker.process.wait()
        self.live.remove(worker)
        self.killed.append(worker)

    def stop_all(self) -> dict[str, int | None]:
        """SIGTERM every live worker (its running jobs go back to the queue), wait for each;
        their exit statuses by name."""
        for worker in self.live:
            Processes.signal_group(worker.process, signal.SIGTERM)
        codes = {}
        for worker in self.live:
            self._processes.stop(worker.process, timeout_s=STOP_TIMEOUT_S)
            codes[worker.name] = worker.process.returncode
        return codes
