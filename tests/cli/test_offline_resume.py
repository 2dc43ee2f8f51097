"""Resume in the default offline mode: the in-process emulator keeps its operations in the
output folder, so a later process collects what an interrupted or killed one submitted, and
nothing is submitted twice. Every command runs as a user types it (the console script)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from cli_support import run_storyreel, storyreel_argv, storyreel_env

from storyreel.emulator import STATE_FOLDER_NAME, stored_operations
from storyreel.jobs.models import StepKind, StepStatus
from storyreel.jobs.sqlite import SqliteJobStore

SEGMENTS = 3


def environment(output_dir: Path, video_latency_s: float) -> dict[str, str]:
    """The in-process emulator (no emulator.url), fast polls, a slow enough Veo."""
    return storyreel_env(
        output_dir,
        poll_initial_s=0.2,
        poll_max_s=0.5,
        emulator__video_latency_s=video_latency_s,
        log_level="WARNING",
    )


def submitted_clips(store_path: Path) -> dict[str, list[str]]:
    """Each job's recorded clip operations, once every clip of it is submitted."""
    if not store_path.exists():
        return {}
    store = SqliteJobStore(store_path)
    try:
        found = {}
        for job in store.list_jobs():
            clips = [s for s in store.steps(job.id) if s.kind is StepKind.CLIP]
            if len(clips) == SEGMENTS and all(
                s.status is StepStatus.SUBMITTED and s.operation for s in clips
            ):
                found[job.id] = [str(s.operation) for s in clips]
        return found
    finally:
        store.close()


def wait_for(check: Any, what: str, process: Any = None, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited before {what}: {process.communicate()}")
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def state_dir(output_dir: Path) -> Path:
    return output_dir / STATE_FOLDER_NAME


@pytest.mark.slow
def test_ctrl_c_while_clips_are_submitted_then_resume_succeeds(tmp_path: Path) -> None:
    output_dir = tmp_path / "output"
    env = environment(output_dir, video_latency_s=4.0)
    process = subprocess.Popen(
        storyreel_argv(
            "make", "an interrupted kite", "--segments", str(SEGMENTS), "--yes", "--json"
        ),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store_path = output_dir / "storyreel-jobs.sqlite3"
    jobs = wait_for(lambda: submitted_clips(store_path), "every clip submitted", process)
    ((job_id, operations),) = jobs.items()

    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert f"storyreel resume {job_id}" in stderr

    done = run_storyreel(tmp_path, "resume", job_id, "--yes", "--json", env=env, timeout=180)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["status"] == "succeeded", manifest.get("reasons")
    assert manifest["video_submissions"] == SEGMENTS
    # The emulator's own record: exactly one accepted submission per clip, all collected.
    assert sorted(stored_operations(state_dir(output_dir))) == sorted(operations)
    clips = sorted((output_dir / job_id / "clips").iterdir())
    assert [clip.name for clip in clips] == [f"segment-0{i}.mp4" for i in (1, 2, 3)]
    assert all(clip.read_bytes()[4:8] == b"ftyp" for clip in clips)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``storyreel serve`` in a subprocess, offline with its in-process emulator."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = (workdir / f"serve-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            storyreel_argv("serve", "--port", str(self.port)),
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

        def healthy() -> bool:
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(healthy, "storyreel serve to start", self.process)

    def job(self, job_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/v1/jobs/{job_id}", timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def stop(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=60)
        self.log.close()


@pytest.mark.slow
def test_sigkill_of_serve_mid_job_then_restart_succeeds(tmp_path: Path) -> None:
    output_dir = tmp_path / "output"
    env = environment(output_dir, video_latency_s=4.0)
    first = Server(tmp_path, env)
    try:
        created = httpx.post(
            f"{first.url}/v1/videos",
            json={"idea": "a lighthouse keeper befriends a storm", "segments": SEGMENTS},
            timeout=30,
        )
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        store_path = output_dir / "storyreel-jobs.sqlite3"
        operations = wait_for(
            lambda: submitted_clips(store_path).get(job_id), "every clip submitted", first.process
        )
    finally:
        first.stop(signal.SIGKILL)

    second = Server(tmp_path, env)
    try:

        def finished() -> dict[str, Any] | None:
            job = second.job(job_id)
            return job if job["status"] not in ("queued", "running") else None

        job = wait_for(finished, "the resumed job to finish", second.process, timeout_s=120)
    finally:
        second.stop(signal.SIGTERM)

    assert job["status"] == "succeeded", job["reasons"]
    assert job["manifest"]["video_submissions"] == SEGMENTS
    assert sorted(stored_operations(state_dir(output_dir))) == sorted(operations)


@pytest.mark.slow
def test_video_operation_is_collected_by_a_later_command(tmp_path: Path) -> None:
    output_dir = tmp_path / "output"
    env = environment(output_dir, video_latency_s=3.0)
    first = subprocess.Popen(
        storyreel_argv("video", "a kite over the dunes", "--duration", "4"),
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        (operation,) = wait_for(
            lambda: stored_operations(state_dir(output_dir)), "the clip submitted", first
        )
    finally:
        first.kill()
        first.wait(timeout=30)

    out = tmp_path / "later.mp4"
    done = run_storyreel(
        tmp_path,
        "video",
        "a kite over the dunes",
        "--operation",
        operation,
        "--out",
        str(out),
        "--json",
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["operation"] == operation
    assert out.read_bytes()[4:8] == b"ftyp"
    assert stored_operations(state_dir(output_dir)) == [operation]  # collected, not paid again
