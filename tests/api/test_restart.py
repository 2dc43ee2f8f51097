"""A server killed in the middle of a video job resumes it at its next start, without paying
twice: ``storyreel serve`` in a subprocess, against a standalone emulator, SIGKILLed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from storyreel.emulator import EmulatorOptions, EmulatorServer

SEGMENTS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def slow_emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=3.0)) as server:
        yield server


class Server:
    """``storyreel serve`` in a subprocess."""

    def __init__(self, workdir: Path, emulator_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("STORYREEL_", "OPENAI_", "GOOGLE_"))
        }
        env.update(
            STORYREEL_EMULATOR__URL=emulator_url,
            STORYREEL_OUTPUT_DIR=str(workdir / "output"),
            STORYREEL_VIDEO__POLL_INITIAL_S="0.1",
            STORYREEL_VIDEO__POLL_MAX_S="0.3",
            STORYREEL_LOG_LEVEL="WARNING",
        )
        self.log = (workdir / f"serve-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "storyreel.cli", "serve", "--port", str(self.port)],
            cwd=workdir,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "storyreel serve exited"
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "storyreel serve did not start"
            time.sleep(0.1)

    def job(self, job_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/v1/jobs/{job_id}", timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def stop(self, sig: signal.Signals) -> None:
        self.process.send_signal(sig)
        self.process.wait(timeout=30)
        self.log.close()


def submissions(emulator: EmulatorServer) -> int:
    return int(httpx.get(f"{emulator.url}/_emulator/stats").json()["video_submissions"])


@pytest.mark.slow
def test_restart_sigkill_mid_job_resumes_without_paying_twice(
    tmp_path: Path, slow_emulator: EmulatorServer
) -> None:
    story = {
        "title": "Lanterns",
        "logline": "Lanterns rise over a river.",
        "segments": [
            {
                "index": n,
                "narration": f"Lantern {n}.",
                "visual_prompt": f"lantern {n}",
                "duration_seconds": 4,
            }
            for n in range(1, SEGMENTS + 1)
        ],
    }
    first = Server(tmp_path, slow_emulator.url)
    try:
        created = httpx.post(f"{first.url}/v1/videos", json={"story": story}, timeout=10)
        assert created.status_code == 202, created.text
        job_id = created.json()["id"]
        deadline = time.monotonic() + 30
        while True:
            steps = first.job(job_id)["progress"]["steps"]
            clips = [step["status"] for step in steps if step["key"].startswith("clip-")]
            if clips == ["submitted"] * SEGMENTS:
                break
            assert time.monotonic() < deadline, clips
            time.sleep(0.05)
    finally:
        first.stop(signal.SIGKILL)
    assert submissions(slow_emulator) == SEGMENTS

    second = Server(tmp_path, slow_emulator.url)
    try:
        deadline = time.monotonic() + 60
        while (job := second.job(job_id))["status"] not in ("succeeded", "partial", "failed"):
            assert time.monotonic() < deadline, job["status"]
            time.sleep(0.1)
        clip = httpx.get(f"{second.url}/v1/jobs/{job_id}/files/clips/segment-03.mp4", timeout=10)
    finally:
        second.stop(signal.SIGTERM)

    assert job["status"] == "succeeded", job["reasons"]
    assert job["manifest"]["video_submissions"] == SEGMENTS
    assert submissions(slow_emulator) == SEGMENTS
    assert clip.status_code == 200
    assert clip.content[4:8] == b"ftyp"
    # uvicorn shuts down gracefully on SIGTERM, then re-raises it.
    assert second.process.returncode in (0, -signal.SIGTERM)
