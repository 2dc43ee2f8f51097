"""A `storyreel make` process killed (SIGKILL) or interrupted (Ctrl-C) mid-job, then resumed."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from cli_support import (
    emulator_stats,
    run_storyreel,
    start_storyreel,
    storyreel_argv,
    storyreel_env,
    wait_for_steps,
)

from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.jobs.models import JobStatus, StepKind, StepRecord, StepStatus
from storyreel.jobs.sqlite import SqliteJobStore

SEGMENTS = 3
VIDEO_LATENCY_S = 4.0


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=VIDEO_LATENCY_S)) as running:
        yield running


def video_submissions(server: EmulatorServer) -> int:
    return int(emulator_stats(server)["video_submissions"])


def environment(server: EmulatorServer, output_dir: Path) -> dict[str, str]:
    return storyreel_env(
        output_dir,
        emulator_url=server.url,
        poll_initial_s=0.2,
        poll_max_s=0.5,
        # What is paid for twice or not is the clips' matter here; the reel's crash tests
        # are in test_reel_crash.py.
        narration__enabled="false",
        reel__enabled="false",
    )


def all_submitted(steps: list[StepRecord]) -> bool:
    """Every clip step submitted, its operation recorded."""
    clips = [s for s in steps if s.kind is StepKind.CLIP]
    return len(clips) == SEGMENTS and all(
        s.status is StepStatus.SUBMITTED and s.operation for s in clips
    )


def wait_until_all_submitted(store_path: Path, process: subprocess.Popen[str]) -> str:
    """The job id, once the store shows every clip step submitted (operation recorded)."""
    job_id, _ = wait_for_steps(
        store_path,
        process,
        all_submitted,
        what="the clips were never all submitted",
        timeout_s=30,
    )
    return job_id


def start_make(server: EmulatorServer, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    output_dir = tmp_path / "output"
    process = start_storyreel(
        tmp_path,
        "make",
        "a lighthouse keeper befriends a storm",
        "--segments",
        str(SEGMENTS),
        "--yes",
        "--json",
        env=environment(server, output_dir),
    )
    return process, output_dir


def resume(server: EmulatorServer, tmp_path: Path, job_id: str) -> dict[str, object]:
    done = run_storyreel(
        tmp_path, "resume", job_id, "--yes", "--json", env=environment(server, tmp_path / "output")
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


def test_make_started_with_sigint_ignored_still_stops_on_sigterm(
    server: EmulatorServer, tmp_path: Path
) -> None:
    """A shell that starts a command in the background (``storyreel worker &`` in a script)
    hands it SIGINT ignored; SIGTERM, which storyreel turns into SIGINT, must still stop it."""
    output_dir = tmp_path / "output"
    process = subprocess.Popen(
        storyreel_argv("make", "a lighthouse keeper", "--segments", str(SEGMENTS), "--yes"),
        cwd=tmp_path,
        env=environment(server, output_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    job_id = wait_until_all_submitted(output_dir / "storyreel-jobs.sqlite3", process)

    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=30)

    assert process.returncode == 130, stderr
    assert f"storyreel resume {job_id}" in stderr
    store = SqliteJobStore(output_dir / "storyreel-jobs.sqlite3")
    assert store.get(job_id).status is JobStatus.QUEUED
    store.close()


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
