"""``storyreel emulator`` options as a user types them: latencies and the state folder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_emulator_command_takes_image_latency_and_a_state_dir(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "storyreel.cli",
            "emulator",
            "--port",
            str(port),
            "--image-latency",
            "0.7",
            "--text-latency",
            "0.1",
            "--state-dir",
            str(tmp_path / "state"),
        ],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                config = httpx2.get(f"http://127.0.0.1:{port}/_emulator/config").json()
                stats = httpx2.get(f"http://127.0.0.1:{port}/_emulator/stats").json()
                break
            except httpx2.ConnectError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)

    latencies = {
        key: config[key] for key in ("video_latency_s", "text_latency_s", "image_latency_s")
    }
    assert latencies == {"video_latency_s": 2.0, "text_latency_s": 0.1, "image_latency_s": 0.7}
    # Vertex AI refuses Veo in express mode, and so does the emulator unless told otherwise.
    assert config["express_veo"] is False
    assert stats["state_dir"] == str(tmp_path / "state")


def test_negative_image_latency_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "emulator", "--image-latency", "-1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "--image-latency" in done.stderr
