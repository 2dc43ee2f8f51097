"""HTTP API throughput as a ratio to direct calls of the writing service, and server memory
growth, measured in one run.

    python bench/api.py [--requests N] [--concurrency C] [--json]

A standalone emulator (its own process, text latency 0) answers every LLM call. The same
work is done two ways, C at a time: ``POST /v1/stories`` through ``storyreel serve``
(uvicorn, its own process, loopback) with an async httpx client, and direct
``WritingService.story`` calls in this process. Targets: API / direct >= 0.5, and the
server's resident memory (VmRSS) grows < 20 MB over N (2,000) requests.

Then the job event stream (``bench/api_events.py``): 50 clients, each following its own job
(50 watchers in the server, the store written round-robin across the jobs), get every change
within 100 ms of its commit to the store, against 50 clients each polling its own job as the
baseline, and the server's RSS with the 50 streams open, and after, grows < 20 MB.
``--only stories`` or ``--only events`` runs one of the two.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

import api_events

TARGET_RATIO = 0.5
TARGET_RSS_GROWTH_MB = 20.0
WARMUP = 100
BODY: dict[str, Any] = {"idea": "a lighthouse keeper befriends the storm", "segments": 3}
START_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("STORYREEL_", "OPENAI_"))}
    return {**keep, **extra}


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {START_TIMEOUT_S:.0f} s")


@contextmanager
def running(args: list[str], url: str, workdir: Path, **env: str) -> Iterator[int]:
    """A Python subprocess serving ``url``; yields its pid and stops it afterwards."""
    process = subprocess.Popen(
        [sys.executable, *args],
        cwd=workdir,
        env=clean_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_up(url, process)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` from /proc/<pid>/status (VmRSS, kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


async def concurrently(count: int, concurrency: int, call: Callable[[], Awaitable[Any]]) -> float:
    """Run ``call`` ``count`` times, ``concurrency`` at a time; the rate in calls per second."""
    remaining = iter(range(count))

    async def worker() -> None:
        for _ in remaining:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def through_api(url: str, pid: int, requests: int, concurrency: int) -> dict[str, float]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:

        async def call() -> None:
            response = await http.post("/v1/stories", json=BODY)
            if response.status_code != 200:
                raise RuntimeError(f"POST /v1/stories: {response.status_code} {response.text}")

        await concurrently(WARMUP, concurrency, call)
        before = rss_mb(pid)
        rate = await concurrently(requests, concurrency, call)
        after = rss_mb(pid)
    return {"rps": rate, "rss_before_mb": before, "rss_after_mb": after}


async def direct(emulator_url: str, workdir: Path, requests: int, concurrency: int) -> float:
    from storyreel.containers import aclose_container, create_container
    from storyreel.settings import load_settings

    settings = load_settings(
        {
            "backend": "offline",
            "output_dir": str(workdir / "direct"),
            "emulator": {"url": emulator_url},
        },
        env={},
        dotenv=None,
    )
    container = create_container(settings)
    writing = container.writing_service()

    async def call() -> None:
        await writing.story(BODY["idea"], segments=int(BODY["segments"]))

    try:
        await concurrently(WARMUP, concurrency, call)
        return await concurrently(requests, concurrency, call)
    finally:
        await aclose_container(container)


def measure(requests: int, concurrency: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="storyreel-bench-api-") as folder:
        workdir = Path(folder)
        emulator_url = f"http://127.0.0.1:{free_port()}"
        emulator_args = ["-m", "storyreel.emulator", "--port", emulator_url.rsplit(":", 1)[1]]
        emulator_args += ["--text-latency", "0", "--image-latency", "0"]
        with running(emulator_args, f"{emulator_url}/_emulator/stats", workdir):
            api_url = f"http://127.0.0.1:{free_port()}"
            serve_args = ["-m", "storyreel.cli", "serve", "--port", api_url.rsplit(":", 1)[1]]
            with running(
                serve_args,
                f"{api_url}/healthz",
                workdir,
                STORYREEL_EMULATOR__URL=emulator_url,
                STORYREEL_OUTPUT_DIR=str(workdir / "api"),
                STORYREEL_LOG_LEVEL="WARNING",
            ) as pid:
                api = asyncio.run(through_api(api_url, pid, requests, concurrency))
            direct_rps = asyncio.run(direct(emulator_url, workdir, requests, concurrency))
    ratio = api["rps"] / direct_rps
    growth = api["rss_after_mb"] - api["rss_before_mb"]
    return {
        "requests": requests,
        "concurrency": concurrency,
        "api_rps": round(api["rps"], 1),
        "direct_rps": round(direct_rps, 1),
        "ratio": round(ratio, 3),
        "target_ratio": TARGET_RATIO,
        "rss_before_mb": round(api["rss_before_mb"], 1),
        "rss_after_mb": round(api["rss_after_mb"], 1),
        "rss_growth_mb": round(growth, 1),
        "target_rss_growth_mb": TARGET_RSS_GROWTH_MB,
        "ok": ratio >= TARGET_RATIO and growth < TARGET_RSS_GROWTH_MB,
    }


def measure_events() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="storyreel-bench-events-") as folder:
        url = f"http://127.0.0.1:{free_port()}"
        script = str(Path(__file__).with_name("api_events.py"))
        args = [script, "--serve", url.rsplit(":", 1)[1], str(Path(folder) / "out")]
        with running(args, f"{url}/healthz", Path(folder)) as pid:
            return asyncio.run(api_events.run(url, lambda: rss_mb(pid)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--only", choices=["stories", "events"], help="run one measure only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    ok = True
    measured: dict[str, Any] = {}  # what --json prints, as one object
    if args.only != "stories":
        events = measure_events()
        ok = bool(events["ok"])
        measured["events"] = events
        if not args.json:
            api_events.report(events)
    if args.only == "events":
        if args.json:
            print(json.dumps(measured))
        return 0 if ok else 1
    result = measure(args.requests, args.concurrency)
    if args.json:
        print(json.dumps(result | measured))
    else:
        print(f"POST /v1/stories, {args.requests} requests, {args.concurrency} concurrent")
        print(f"  through the API (uvicorn, loopback): {result['api_rps']:>8.1f} req/s")
        print(f"  direct WritingService.story calls:   {result['direct_rps']:>8.1f} calls/s")
        print(f"  API / direct: {result['ratio']:.3f} (target >= {TARGET_RATIO})")
        print(
            f"  server RSS: {result['rss_before_mb']:.1f} -> {result['rss_after_mb']:.1f} MB, "
            f"growth {result['rss_growth_mb']:.1f} MB (target < {TARGET_RSS_GROWTH_MB:g})"
        )
    return 0 if result["ok"] and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
