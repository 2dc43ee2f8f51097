"""Per-client rate limiting under a Veo quota: 10 jobs x 6 segments through the HTTP API,
with the limiter and without it, in one run.

    python bench/ratelimit.py [--jobs 10] [--segments 6] [--requests 30] [--per-s 6] [--json]

A standalone emulator (its own process) enforces a submit quota scaled in time (30
``predictLongRunning`` a 6 s sliding window, as Vertex's 50 a minute is scaled down) and
answers over it as Vertex does (429 RESOURCE_EXHAUSTED, no Retry-After). storyreel's API app
runs in this process on loopback (uvicorn in a thread); jobs are posted to ``POST /v1/videos``
at once and polled until final. Narration and the reel are off: they add TTS calls and
seconds of encoding per job that the quota does not govern.

After a warm-up job (imports, first encodes), runs with a fresh output folder each:

- last wave: no quota, only the clips the quota lets go last (below): how long they take
  from posting to saved when nothing holds them back;
- free: no quota at the emulator, no limiter: the time the same work takes unconstrained
  (on this machine mostly the emulator encoding 60 MP4s);
- limiter on: ``google.rate_limits.video_submit`` matches the quota;
- limiter off: the container's limiter replaced by an unlimited one (no budgets, no shared
  429 pauses); the SDK-level retries of refused submits (google.max_retries) stay on.

The quota-bound minimum is the longer of the free run and the quota's own bound: under a
sliding window at most ``(waves - 1) * requests`` submits go before ``(waves - 1) * per_s``
(``waves = ceil(submits / requests)``), and the rest then take at least the "last wave" run.
Targets with the limiter: 0 quota errors, every clip made, wall time <= 1.15x that minimum.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

TARGET_RATIO = 1.15
FINAL = {"succeeded", "partial", "failed", "cancelled"}
START_TIMEOUT_S = 60.0
VIDEO_LATENCY_S = 1.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_S:.0f} s")


@contextmanager
def emulator(workdir: Path) -> Iterator[str]:
    """A standalone emulator process; yields its URL."""
    port = free_port()
    args = [sys.executable, "-m", "storyreel.emulator", "--port", str(port)]
    args += ["--video-latency", str(VIDEO_LATENCY_S), "--text-latency", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORYREEL_", "OPENAI_"))}
    process = subprocess.Popen(
        args, cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/_emulator/stats", process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def api(container: Any) -> Iterator[str]:
    """storyreel's API app for ``container`` on loopback, served from a thread."""
    import uvicorn

    from storyreel.api import create_app

    port = free_port()
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{url}/healthz")
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def build_container(emulator_url: str, out: Path, video_submit: dict[str, Any]) -> Any:
    from storyreel.containers import create_container

    return create_container(
        backend="offline",
        output_dir=str(out),
        log_level="WARNING",
        emulator={"url": emulator_url},
        google={"rate_limits": {"video_submit": video_submit}},
        video={"duration_seconds": 4, "poll_initial_s": 0.25, "poll_max_s": 0.5},
        narration={"enabled": False},
        reel={"enabled": False},
        config_file=None,
        env={},
        dotenv=None,
    )


async def run_jobs(url: str, jobs: int, segments: int) -> tuple[float, list[dict[str, Any]]]:
    """Post ``jobs`` video jobs at once; the wall time until every one is final."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        start = time.perf_counter()

        async def one(n: int) -> dict[str, Any]:
            body = {"idea": f"a lighthouse keeper and storm number {n}", "segments": segments}
            posted = await http.post("/v1/videos", json=body)
            posted.raise_for_status()
            job_id = posted.json()["id"]
            while True:
                detail: dict[str, Any] = (await http.get(f"/v1/jobs/{job_id}")).json()
                if detail["status"] in FINAL:
                    return detail
                await asyncio.sleep(0.1)

        details = await asyncio.gather(*(one(n) for n in range(jobs)))
        return time.perf_counter() - start, list(details)


def measure_run(
    emulator_url: str,
    out: Path,
    *,
    jobs: int,
    segments: int,
    quota: dict[str, Any] | None,
    video_submit: dict[str, Any],
    limiter: bool,
) -> dict[str, Any]:
    from dependency_injector import providers

    from storyreel.containers import close_container
    from storyreel.quota import Limiter

    control = httpx.Client(base_url=emulator_url, timeout=10)
    control.post("/_emulator/reset").raise_for_status()
    lifted = {"predictLongRunning": quota}
    control.post("/_emulator/config", json={"quota": lifted}).raise_for_status()
    container = build_container(emulator_url, out, video_submit)
    if not limiter:
        container.limiter.override(providers.Object(Limiter.unlimited()))
    try:
        with api(container) as url:
            wall_s, details = asyncio.run(run_jobs(url, jobs, segments))
    finally:
        close_container(container)
    stats = control.get("/_emulator/stats").json()
    control.close()
    return {
        "wall_s": wall_s,
        "quota_errors": int(stats.get("over_quota", {}).get("predictLongRunning", 0)),
        "submissions": int(stats["video_submissions"]),
        "clips_made": sum(d["progress"]["clips_done"] for d in details),
        "clips_total": sum(d["progress"]["clips_total"] for d in details),
        "jobs_succeeded": sum(1 for d in details if d["status"] == "succeeded"),
        "jobs": len(details),
    }


def measure(jobs: int, segments: int, requests: int, per_s: float) -> dict[str, Any]:
    quota = {"requests": requests, "per_s": per_s}
    # The default budgets (50 a minute for GA Veo models) would govern here; the bench's
    # budget matches the emulator's scaled quota instead.
    budget = {"veo-3.1-*-001": None, "veo-*": quota}
    no_budget = {"veo-3.1-*-001": None}
    submits = jobs * segments
    waves = math.ceil(submits / requests)
    left = submits - (waves - 1) * requests
    whole = left % segments == 0
    last_wave: dict[str, Any] = {
        "jobs": left // segments if whole else left,
        "segments": segments if whole else 1,
        "limiter": False,
    }
    with tempfile.TemporaryDirectory(prefix="storyreel-ratelimit-") as folder:
        workdir = Path(folder)
        with emulator(workdir) as url:
            single: dict[str, Any] = {"jobs": 1, "segments": 1, "limiter": False}
            measure_run(url, workdir / "warm", quota=None, video_submit=no_budget, **single)
            last = measure_run(
                url, workdir / "last", quota=None, video_submit=no_budget, **last_wave
            )
            common: dict[str, Any] = {"jobs": jobs, "segments": segments}
            free = measure_run(
                url, workdir / "free", quota=None, video_submit=no_budget, limiter=False, **common
            )
            on = measure_run(
                url, workdir / "on", quota=quota, video_submit=budget, limiter=True, **common
            )
            off = measure_run(
                url, workdir / "off", quota=quota, video_submit=no_budget, limiter=False, **common
            )
    quota_bound = (waves - 1) * per_s + last["wall_s"]
    minimum = max(free["wall_s"], quota_bound)
    return {
        "last_wave": last,
        "jobs": jobs,
        "segments": segments,
        "quota": quota,
        "free": free,
        "limiter_on": on,
        "limiter_off": off,
        "quota_bound_minimum_s": minimum,
        "on_vs_minimum": on["wall_s"] / minimum,
        "target_ratio": TARGET_RATIO,
        "passed": on["quota_errors"] == 0
        and on["clips_made"] == submits
        and on["wall_s"] / minimum <= TARGET_RATIO,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=10)
    parser.add_argument("--segments", type=int, default=6)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--per-s", type=float, default=6.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    # Jobs that fail on 429s (limiter off) log why; the table says it.
    logging.getLogger("storyreel").setLevel(logging.CRITICAL)
    result = measure(args.jobs, args.segments, args.requests, args.per_s)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        q = result["quota"]
        print(
            f"{args.jobs} jobs x {args.segments} segments, emulator quota "
            f"{q['requests']} submits / {q['per_s']:g} s"
        )
        print(f"{'':14}{'wall s':>8}{'429s':>7}{'submits':>9}{'clips':>9}{'jobs ok':>9}")
        for name in ("last_wave", "free", "limiter_on", "limiter_off"):
            r = result[name]
            clips = f"{r['clips_made']}/{r['clips_total']}"
            ok = f"{r['jobs_succeeded']}/{r['jobs']}"
            print(
                f"{name:14}{r['wall_s']:8.2f}{r['quota_errors']:7d}{r['submissions']:9d}"
                f"{clips:>9}{ok:>9}"
            )
        print(
            f"quota-bound minimum {result['quota_bound_minimum_s']:.2f} s; limiter on / minimum "
            f"= {result['on_vs_minimum']:.3f} (target <= {TARGET_RATIO}); "
            f"{'PASS' if result['passed'] else 'FAIL'}"
        )
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
