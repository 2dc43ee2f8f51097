"""A `storyreel make` process killed (SIGKILL) or interrupted (Ctrl-C) mid-job, then resumed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest

from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.jobs.models import JobStatus, StepKind, StepStatus
from storyreel.jobs.sqlite import SqliteJobStore

SEGMENTS = 3
VIDEO_LATENCY_S = 4.0


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=VIDEO_LATENCY_S)) as running:
        yield running


def video_submissions(server: EmulatorServer) -> int:
    response = httpx2.get(server.url + "/_emulator/stats", timeout=10)
    return int(response.json()["video_submissions"])


def environment(server: EmulatorServer, output_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("STORYREEL_")
        and key not in ("OPENAI_API_KEY", "GOOGLE_STUDIO_API_KEY")
    }
    env.update(
        STORYREEL_BACKEND="offline",
        STORYREEL_EMULATOR__URL=server.url,
        STORYREEL_OUTPUT_DIR=str(output_dir),
        STORYREEL_VIDEO__POLL_INITIAL_S="0.2",
        STORYREEL_VIDEO__POLL_MAX_S="0.5",
        # What is paid for twice or not is the clips' matter here; the reel's crash tests
        # are in test_reel_crash.py.
        STORYREEL_NARRATION__ENABLED="false",
        STORYREEL_REEL__ENABLED="false",
    )
    return env


def storyreel(*args: str) -> list[str]:
    return [sys.executable, "-m", "storyreel.cli", *args]


def wait_until_all_submitted(store_path: Path, process: subprocess.Popen[str]) -> str:
    """The job id, once the store shows every clip step submitted (operation recorded)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if store_path.exists():
            store = SqliteJobStore(store_path)
            try:
                for job in store.list_jobs():
                    clips = [s for s in store.steps(job.id) if s.kind is StepKind.CLIP]
                    if len(clips) == SEGMENTS and all(
                        s.status is StepStatus.SUBMITTED and s.operation for s in clips
                    ):
                        return job.id
            finally:
                store.close()
        time.sleep(0.05)
    raise AssertionError("the clips were never all submitted")


def start_make(server: EmulatorServer, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    output_dir = tmp_path / "output"
    process = subprocess.Popen(
        storyreel(
            "make",
            "a lighthouse keeper befriends a storm",
            "--segments",
            str(SEGMENTS),
            "--yes",
            "--json",
        ),
        cwd=tmp_path,
        env=environment(server, output_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return process, output_dir


def resume(server: EmulatorServer, tmp_path: Path, job_id: str) -> dict[str, object]:
    done = subprocess.run(
        storyreel("resume", job_id, "--yes", "--json"),
        cwd=tmp_path,
        env=environment(server, tmp_path / "output"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    manifest: dict[str, object] = json.loads(done.stdout)
    return manifest


def test_make_killed_while_polling_resumes_without_paying_twice(
    server: EmulatorServer, tmp_path: Path
) -> None:
    process, output_dir = start_make(server, tmp_path)
    store_path = output_dir / "storyreel-jobs.sqlite3"
    job_id = wait_until_all_submitted(store_path, process)

    process.kill()
    process.communicate(timeout=10)
    store = SqliteJobStore(store_path)
    assert store.get(job_id).status is JobStatus.RUNNING  # what a crash leaves
    store.close()

    manifest = resume(server, tmp_path, job_id)

    assert manifest["status"] == "succeeded"
    assert manifest["video_submissions"] == SEGMENTS
    assert video_submissions(server) == SEGMENTS
    folder = output_dir / job_id
    assert sorted(p.name for p in (folder / "clips").iterdir()) == [
        f"segment-0{i}.mp4" for i in range(1, SEGMENTS + 1)
    ]


def test_make_interrupted_says_how_to_resume_and_exits_130(
    server: EmulatorServer, tmp_path: Path
) -> None:
    process, output_dir = start_make(server, tmp_path)
    job_id = wait_until_all_submitted(output_dir / "storyreel-jobs.sqlite3", process)

    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=20)

    assert process.returncode == 130, stderr
    assert f"storyreel resume {job_id}" in stderr
    assert "Traceback" not in stderr
    store = SqliteJobStore(output_dir / "storyreel-jobs.sqlite3")
    job = store.get(job_id)
    assert job.status is JobStatus.QUEUED
    assert any("interrupted" in reason for reason in job.reasons)
    clips = [s for s in store.steps(job_id) if s.kind is StepKind.CLIP]
    assert {s.status for s in clips} == {StepStatus.SUBMITTED}
    store.close()

    manifest = resume(server, tmp_path, job_id)

    assert manifest["status"] == "succeeded"
    assert video_submissions(server) == SEGMENTS


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_make_terminated_during_submits_records_them_and_never_pays_twice(
    server: EmulatorServer, tmp_path: Path, signum: signal.Signals
) -> None:
    # Google accepts each submit at once but answers 2 s later: the signal lands in between.
    httpx2.post(
        server.url + "/_emulator/faults",
        json=[
            {
                "route": "predictLongRunning",
                "kind": "delay_after_accept",
                "delay_s": 2.0,
                "times": 0,
            }
        ],
        timeout=10,
    ).raise_for_status()
    process, output_dir = start_make(server, tmp_path)
    deadline = time.monotonic() + 30
    while video_submissions(server) < SEGMENTS:
        assert time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)

    process.send_signal(signum)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    store = SqliteJobStore(output_dir / "storyreel-jobs.sqlite3")
    (job,) = store.list_jobs()
    clips = [s for s in store.steps(job.id) if s.kind is StepKind.CLIP]
    assert {s.status for s in clips} == {StepStatus.SUBMITTED}, [s.error for s in clips]
    store.close()

    manifest = resume(server, tmp_path, job.id)

    assert manifest["status"] == "succeeded"
    assert manifest["video_submissions"] == SEGMENTS
    assert video_submissions(server) == SEGMENTS  # nothing submitted again
