"""`storyreel serve` stops promptly on Ctrl-C while a browser follows a job's events (an open
stream would otherwise hold the server until the job ends)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from storyreel.jobs.models import JobInput, JobRecord, new_job_id
from storyreel.jobs.sqlite import SqliteJobStore


def up_until(url: str, server: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and server.poll() is None:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


@pytest.mark.slow
def test_serve_events_ctrl_c_ends_open_streams(tmp_path: Path) -> None:
    out = tmp_path / "out"
    store = SqliteJobStore.in_output_dir(out)
    job_id = new_job_id()
    store.create(JobRecord(id=job_id, input=JobInput(idea="a kite"), out_dir=str(out)))
    store.close()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    env = {**clean, "STORYREEL_BACKEND": "offline", "STORYREEL_OUTPUT_DIR": str(out)}
    server = subprocess.Popen(
        [sys.executable, "-m", "storyreel.cli", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stderr is not None
        banner = server.stderr.readline()
        found = re.search(r"http://127\.0\.0\.1:(\d+)", banner)
        assert found, banner
        base = f"http://127.0.0.1:{found.group(1)}"
        up_until(f"{base}/healthz", server)
        url = f"{base}/v1/jobs/{job_id}/events"
        with httpx.stream("GET", url, timeout=30) as response:
            lines = response.iter_lines()
            assert next(line for line in lines if line.startswith("event:")) == "event: job"
            server.send_signal(signal.SIGINT)
            rest = list(lines)  # the server closes the stream
        # Well within the graceful shutdown it would otherwise wait out (stop_grace_s + 10).
        assert server.wait(timeout=20) == 0
        assert "event: end" not in rest
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
