"""The whole `storyreel make` process against the emulator, as ratios measured in one run.

    python bench/pipeline.py [--json]

With the emulator's video latency L = 3 s and 6 segments it prints: the wall time of the
whole process making the clips (no keyframes, narration or reel) / L (target <= 1.5:
start-up, the story and the polling schedule all count), polls per operation, the wall time
with video.concurrency=1 / with the default, and a whole default job / L, for reference. The
keyframe figure: a job that draws sheets and keyframes, wall time / (I + L) (target <= 1.5).
The polling figure: with text latency T = 3 s and L = 6 s, after a warm-up job in the same
folder, wall time / (T + L) (target <= 1.1) and polls per operation (target <= 3), beside a
job on the doubling schedule.
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
# The keyframe figure: images take I, clips L, about as Gemini's image model (~10 s) and Veo
# (~50 s) compare; long enough that the process's start-up, the story and the emulator's
# encoding (about 5 s here, the same with keyframes or without) do not decide the ratio: at
# I = 2 s, L = 10 s they alone were half of I + L.
IMAGE_LATENCY_S = 4.0
KEYFRAME_VIDEO_LATENCY_S = 20.0
# The adaptive polling figure: text latency T, video latency L, the fast interval.
TEXT_LATENCY_S = 3.0
POLL_VIDEO_LATENCY_S = 6.0
POLL_FAST_S = 0.3
POLL_TARGET = 1.1
IDEA = "a lighthouse keeper befriends a storm"


def _control(server: EmulatorServer, path: str, body: Any = None) -> Any:
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        response = http.post(path, json=body) if body is not None else http.get(path)
    response.raise_for_status()
    return response.json()


def _storyreel() -> list[str]:
    script = Path(sys.executable).with_name("storyreel")
    return [str(script)] if script.exists() else [sys.executable, "-m", "storyreel.cli"]


def run_make(
    server: EmulatorServer,
    workdir: Path,
    *,
    only_clips: bool = False,
    output_dir: Path | None = None,
    **video: str,
) -> dict[str, Any]:
    """One `storyreel make` process: its wall time, its manifest and the emulator's stats.
    ``only_clips``: no narration and no reel (the clips, their images and the thumbnail).
    ``output_dir``: the folder (and so the job store, with its history) to use; a new one
    by default."""
    _control(server, "/_emulator/reset", {})
    output_dir = output_dir or Path(tempfile.mkdtemp(prefix="output-", dir=workdir))
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    env.update(
        STORYREEL_BACKEND="offline",
        STORYREEL_EMULATOR__URL=server.url,
        STORYREEL_OUTPUT_DIR=str(output_dir),
        STORYREEL_VIDEO__POLL_INITIAL_S=str(POLL_INITIAL_S),
        STORYREEL_VIDEO__POLL_MAX_S=str(POLL_MAX_S),
    )
    env.update({f"STORYREEL_VIDEO__{key.upper()}": value for key, value in video.items()})
    if only_clips:
        env.update(STORYREEL_NARRATION__ENABLED="false", STORYREEL_REEL__ENABLED="false")
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


def keyframe_figures(workdir: Path) -> dict[str, Any]:
    """The same job with keyframes and without, against an emulator whose images take I
    and clips L: every keyframe is drawn at once and each clip starts as soon as its own
    keyframe is ready, so the keyframes add one image latency, and one more for the
    character sheets drawn before them, not one per segment. Target: wall / (I + L) <= 1.5."""
    options = EmulatorOptions(
        video_latency_s=KEYFRAME_VIDEO_LATENCY_S,
        text_latency_s=0.0,
        image_latency_s=IMAGE_LATENCY_S,
    )
    with EmulatorServer(options) as server:
        # 4 s clips: the emulator renders each one, and that is no part of what is measured.
        clips = {"concurrency": str(SEGMENTS), "duration_seconds": "4"}
        framed = run_make(server, workdir, only_clips=True, **clips)
        plain = run_make(server, workdir, only_clips=True, keyframes="false", **clips)
    both = IMAGE_LATENCY_S + KEYFRAME_VIDEO_LATENCY_S
    manifest = framed["manifest"]
    return {
        "image_latency_s": IMAGE_LATENCY_S,
        "keyframe_video_latency_s": KEYFRAME_VIDEO_LATENCY_S,
        "keyframe_sheets": len(manifest["sheets"]),
        "keyframe_keyframes": len(manifest["keyframes"]),
        "keyframe_image_requests": len(framed["stats"]["image_requests"]),
        "keyframe_wall_s": round(framed["wall_s"], 3),
        "keyframe_wall_over_image_plus_video": round(framed["wall_s"] / both, 3),
        "keyframe_target": TARGET,
        "text_only_wall_s": round(plain["wall_s"], 3),
        "keyframes_over_text_only": round(framed["wall_s"] / plain["wall_s"], 2),
        # What the keyframes added, in image latencies: about 2 (sheets, then keyframes) when
        # they run side by side; 7 or more if each segment's waited for the one before.
        "keyframes_added_over_image_latency": round(
            (framed["wall_s"] - plain["wall_s"]) / IMAGE_LATENCY_S, 2
        ),
    }


def polling_figures(workdir: Path) -> dict[str, Any]:
    """Adaptive polling beside the doubling schedule, in one run: text latency T, video
    latency L, polling scaled by 1/10 from the shipped 2 s / 20 s / 3 s. A warm-up job (no
    history: the doubling schedule) teaches the folder Veo's time; the next job there polls
    when clips are due. The doubling figure is a job in a fresh folder run after both, as
    warm. Clips only (no keyframes, narration or reel): what is measured is the polling.
    Targets: wall / (T + L) <= 1.1 and at most 3 polls per operation."""
    options = EmulatorOptions(video_latency_s=POLL_VIDEO_LATENCY_S, text_latency_s=TEXT_LATENCY_S)
    polling = {
        "poll_initial_s": "0.2",
        "poll_max_s": "2",
        "poll_fast_s": str(POLL_FAST_S),
        "keyframes": "false",
        "concurrency": str(SEGMENTS),
    }
    learned = Path(tempfile.mkdtemp(prefix="learned-", dir=workdir))
    with EmulatorServer(options) as server:
        warm_up = run_make(server, workdir, only_clips=True, output_dir=learned, **polling)
        adaptive = run_make(server, workdir, only_clips=True, output_dir=learned, **polling)
        doubling = run_make(server, workdir, only_clips=True, **polling)
    both = TEXT_LATENCY_S + POLL_VIDEO_LATENCY_S
    result: dict[str, Any] = {"poll_text_latency_s": TEXT_LATENCY_S}
    for name, run in (("warm_up", warm_up), ("adaptive", adaptive), ("doubling", doubling)):
        ops = run["stats"]["polls"].values()
        lags = [op["collected_at"] - op["ready_at"] for op in ops if op["collected_at"]]
        result[f"{name}_wall_s"] = round(run["wall_s"], 3)
        result[f"{name}_wall_over_t_plus_l"] = round(run["wall_s"] / both, 3)
        result[f"{name}_polls_per_operation"] = round(
            run["stats"]["requests"]["fetchPredictOperation"] / SEGMENTS, 2
        )
        result[f"{name}_max_collect_lag_s"] = round(max(lags, default=0.0), 3)
    return result


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
        # The clip pipeline the target was set for: the story, then every clip at once.
        default = run_make(server, workdir, only_clips=True, keyframes="false")
        one_wave = run_make(
            server, workdir, only_clips=True, keyframes="false", concurrency=str(SEGMENTS)
        )
        serial = run_make(server, workdir, only_clips=True, keyframes="false", concurrency="1")
        # Everything a default job does: sheets and keyframes, narration, the reel.
        whole = run_make(server, workdir)
        keyframes = keyframe_figures(workdir)
        polling = polling_figures(workdir)
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
        "whole_job_wall_s": round(whole["wall_s"], 3),
        "whole_job_wall_over_latency": round(whole["wall_s"] / VIDEO_LATENCY_S, 3),
        **keyframes,
        **polling,
    }
    if args.json:
        print(json.dumps(result))
        return
    print(
        f"video latency L = {VIDEO_LATENCY_S:g} s, {SEGMENTS} segments, polling every "
        f"{POLL_INITIAL_S:g} s doubling up to {POLL_MAX_S:g} s"
    )
    print(
        f"storyreel make, clips only, default concurrency: {result['wall_s']:.2f} s = "
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
    print(
        f"storyreel make, a whole default job (sheets, keyframes, narration, reel): "
        f"{result['whole_job_wall_s']:.2f} s = {result['whole_job_wall_over_latency']:.2f} x L "
        "(no target: the reel's encoding and the voices are measured by bench/reel.py)"
    )
    print(
        f"keyframes (image latency I = {IMAGE_LATENCY_S:g} s, video latency L = "
        f"{KEYFRAME_VIDEO_LATENCY_S:g} s, {result['keyframe_sheets']} sheets + "
        f"{result['keyframe_keyframes']} keyframes): {result['keyframe_wall_s']:.2f} s = "
        f"{result['keyframe_wall_over_image_plus_video']:.2f} x (I + L) (target <= {TARGET}); "
        f"{result['keyframes_over_text_only']:.2f} x the text-only job "
        f"({result['text_only_wall_s']:.2f} s); added "
        f"{result['keyframes_added_over_image_latency']:.2f} x I"
    )
    print(
        f"polling (T = {TEXT_LATENCY_S:g} s, L = {POLL_VIDEO_LATENCY_S:g} s, {SEGMENTS} "
        f"segments; first poll 0.2 s doubling to 2 s, fast {POLL_FAST_S:g} s):"
    )
    for name, what in (
        ("warm_up", "warm-up job (no history, doubling)"),
        ("adaptive", "after the warm-up (adaptive)"),
        ("doubling", "fresh folder (doubling)"),
    ):
        print(
            f"  {what}: {result[f'{name}_wall_s']:.2f} s = "
            f"{result[f'{name}_wall_over_t_plus_l']:.2f} x (T + L), "
            f"{result[f'{name}_polls_per_operation']:.2f} polls per operation, collected at "
            f"most {result[f'{name}_max_collect_lag_s']:.2f} s after ready"
        )
    print(f"  targets after the warm-up: <= {POLL_TARGET} x (T + L), <= 3 polls per operation")


if __name__ == "__main__":
    main()
