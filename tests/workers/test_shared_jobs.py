"""A server and a worker in another process share one job store: the server lists the jobs
the worker runs (queued from the API or from `storyreel make --queue`), and the worker's
progress reaches the server's event stream."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from workers_support import open_store, processes, shared_store, worker_env

from storyreel.jobs.models import JobStatus, parse_owner

MAKE_OPTIONS = ("--segments", "2", "--queue", "--yes", "--json")


def read_events(url: str) -> list[tuple[str, dict[str, object]]]:
    """Every event of a job's stream, until the server ends it with ``end``."""
    events: list[tuple[str, dict[str, object]]] = []
    kind = ""
    with httpx.stream("GET", url, timeout=60) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((kind, json.loads(line.removeprefix("data: "))))
    return events


@pytest.mark.slow
def test_shared_jobs_server_sees_the_workers_jobs_and_progress(
    tmp_path: Path, redis_url: str, request: pytest.FixtureRequest
) -> None:
    output_dir = tmp_path / "output"
    shared = shared_store(request)
    with processes(tmp_path) as procs:
        emulator = procs.emulator(video_latency_s=1.0, env=worker_env(output_dir))
        env = worker_env(
            output_dir,
            emulator__url=emulator,
            jobs__queue="celery",
            jobs__broker_url=redis_url,
            video__poll_initial_s=0.2,
            video__poll_max_s=0.4,
            narration__enabled="false",
            reel__enabled="false",
            video__keyframes="false",
            **shared,
        )
        (worker,) = procs.workers(1, env, "--concurrency", "2")
        api = procs.api(env)
        made = subprocess.run(
            [sys.executable, "-m", "storyreel.cli", "make", "a lantern", *MAKE_OPTIONS],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert made.returncode == 0, made.stderr
        from_cli = json.loads(made.stdout)
        assert from_cli["status"] == "queued"

        posted = httpx.post(f"{api}/v1/videos", json={"idea": "a kite", "segments": 2}, timeout=30)
        assert posted.status_code == 202, posted.text
        job_id = posted.json()["id"]
        events = read_events(f"{api}/v1/jobs/{job_id}/events")

        clip_states = {
            str(data["status"])
            for kind, data in events
            if kind == "step" and data["key"] == "clip-01"
        }
        assert {"submitted", "succeeded"} <= clip_states  # seen as the worker went
        assert events[-1][0] == "end"
        assert events[-1][1]["status"] == "succeeded"
        store = open_store(output_dir, shared)
        try:
            for job in (store.get(job_id), store.get(from_cli["id"])):
                assert parse_owner(job.owner or "")[1] == worker.popen.pid
            listed = {job["id"] for job in httpx.get(f"{api}/v1/jobs", timeout=30).json()}
            assert {job_id, from_cli["id"]} <= listed
            cli_job = httpx.get(f"{api}/v1/jobs/{from_cli['id']}", timeout=30).json()
            assert cli_job["status"] in {JobStatus.RUNNING, JobStatus.SUCCEEDED}
        finally:
            store.close()
