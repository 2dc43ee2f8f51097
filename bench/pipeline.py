"""The whole `storyreel make` process against the emulator, as ratios measured in one run.

    python bench/pipeline.py [--json]

With the emulator's video latency L = 3 s and 6 segments it prints: the wall time of the
whole process / L (target <= 1.5: start-up, the story and the polling schedule all count),
polls per operation, and the wall time with video.concurrency=1 / with the default.
When the default concurrency is below the number of segments the clips need more than one
wave, so the ratio is also measured with video.concurrency=6 (one wave).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from storyreel.emulator import EmulatorOptions, EmulatorServer

VIDEO_LATENCY_S = 3.0
SEGMENTS = 6
POLL_INITIAL_S = 0.25
POLL_MAX_S = 0.25
TARGET = 1.5
IDEA = "a lighthouse keeper befriends a storm"


def _control(server: EmulatorServer, path: str, body: Any = None) -> Any:
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        response = http.post(path, json=body) if body is not None else http.get(path)
    response.raise_for_status()
    return response.json()


def _storyreel() -> list[str]:
    script = Path(sys.executable).with_name("storyreel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "storyreel.cli"]


def run_make(server: EmulatorServer, workdir: Path, **video: str) -> dict[str, Any]:
    """One `storyreel make` process: its wall time, its manifest and the emulator's stats."""
    _control(server, "/_emulator/reset", {})
    output_dir = Path(tempfile.mkdtemp(prefix="output-", dir=workdir))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    env.update(
        STORYREEL_BACKEND="offline",
        STORYREEL_EMULATOR__URL=server.url,
        STORYREEL_OUTPUT_DIR=str(output_dir),
        STORYREEL_VIDEO__POLL_INITIAL_S=str(POLL_INITIAL_S),
        STORYREEL_VIDEO__POLL_MAX_S=str(POLL_MAX_S),
    )
    env.update({f"STORYREEL_VIDEO__{key.upper()}": value for key, value in video.items()})
    command = [*_storyreel(), "make", IDEA, "--segments", str(SEGMENTS), "--yes", "--json"]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=workdir, env=env, capture_output=True, text=True, timeout=110
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"storyreel make failed ({done.returncode}):\n{done.stderr}")
    manifest = json.loads(done.stdout)
    if manifest["status"] != "succeeded":
        raise SystemExit(f"the job did not succeed: {manifest['failures']}")
    return {"wall_s": wall, "manifest": manifest, "stats": _control(server, "/_emulator/stats")}


def default_concurrency() -> int:
    from storyreel.settings import VideoSettings

    return VideoSettings().concurrency


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    options = EmulatorOptions(video_latency_s=VIDEO_LATENCY_S, text_latency_s=0.0)
    with EmulatorServer(options) as server, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        default = run_make(server, workdir)
        one_wave = run_make(server, workdir, concurrency=str(SEGMENTS))
        serial = run_make(server, workdir, concurrency="1")
    polls = default["stats"]["requests"]["fetchPredictOperation"]
    result = {
        "video_latency_s": VIDEO_LATENCY_S,
        "segments": SEGMENTS,
        "poll_initial_s": POLL_INITIAL_S,
        "poll_max_s": POLL_MAX_S,
        "wall_s": round(default["wall_s"], 3),
        "wall_over_latency": round(default["wall_s"] / VIDEO_LATENCY_S, 3),
        "target_wall_over_latency": TARGET,
        "default_concurrency": default_concurrency(),
        "one_wave_wall_s": round(one_wave["wall_s"], 3),
        "one_wave_wall_over_latency": round(one_wave["wall_s"] / VIDEO_LATENCY_S, 3),
        "polls_per_operation": round(polls / SEGMENTS, 2),
        "video_submissions": default["stats"]["video_submissions"],
        "serial_wall_s": round(serial["wall_s"], 3),
        "serial_over_concurrent": round(serial["wall_s"] / default["wall_s"], 2),
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"video latency L = {VIDEO_LATENCY_S:g} s, {SEGMENTS} segments, polling every "
        f"{POLL_INITIAL_S:g} s doubling up to {POLL_MAX_S:g} s"
    )
    print(
        f"storyreel make, default concurrency: {result['wall_s']:.2f} s = "
        f"{result['wall_over_latency']:.2f} x L (target <= {TARGET})"
    )
    print(
        f"  (default video.concurrency = {result['default_concurrency']}: "
        f"{-(-SEGMENTS // result['default_concurrency'])} wave(s) of clips)"
    )
    print(
        f"storyreel make, video.concurrency={SEGMENTS}: {result['one_wave_wall_s']:.2f} s = "
        f"{result['one_wave_wall_over_latency']:.2f} x L"
    )
    print(f"polls per operation: {result['polls_per_operation']:.2f}")
    print(
        f"video.concurrency=1: {result['serial_wall_s']:.2f} s = "
        f"{result['serial_over_concurrent']:.2f} x the default"
    )


if __name__ == "__main__":
    main()
