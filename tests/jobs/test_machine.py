"""A job's owner is judged by its pid only by processes that can see that pid."""

from __future__ import annotations

import socket
import subprocess
import sys

from storyreel.jobs.machine import this_machine
from storyreel.jobs.models import JobInput, JobRecord, JobStatus, utcnow


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(done.stdout)


def _running(owner: str) -> JobRecord:
    return JobRecord(
        id="j1",
        status=JobStatus.RUNNING,
        input=JobInput(idea="a kite"),
        out_dir="/nowhere",
        owner=owner,
        heartbeat_at=utcnow(),
    )


def test_machine_names_the_host_and_its_pid_namespace() -> None:
    assert this_machine().split("~")[0] == socket.gethostname()


def test_machine_a_dead_pid_here_is_a_dead_owner_despite_a_fresh_heartbeat() -> None:
    job = _running(f"{this_machine()}:{_dead_pid()}:worker-0000")
    assert not job.owner_alive(stale_after_s=60)


def test_machine_a_container_sharing_the_host_name_is_judged_by_its_heartbeat() -> None:
    # Same host name, another pid namespace: its pid means nothing here.
    other = f"{socket.gethostname()}~1:{_dead_pid()}:worker-0000"
    assert other.split(":")[0] != this_machine()
    assert _running(other).owner_alive(stale_after_s=60)
    stale = _running(other).model_copy(update={"heartbeat_at": None})
    assert not stale.owner_alive(stale_after_s=60)
