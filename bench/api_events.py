"""The job event stream against polling, measured in one run (run by ``bench/api.py``).

A server process (this file with ``--serve``: storyreel's app under uvicorn, offline, plus a
few ``/_bench`` routes) writes a job's changes to its store, the way a running job does, and
records the moment each write committed. 50 clients follow the job with
``GET /v1/jobs/{id}/events``; then, for a second job with the same writes, 50 clients poll
``GET /v1/jobs/{id}`` every ``POLL_S``. A change's latency for a client is the time from its
commit to the first event (or poll answer) that shows it or a later change. Targets: every
change reaches every stream client within 100 ms; the server's RSS grows < 20 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

CLIENTS = 50
WRITES = 40
GAP_S = 0.05
POLL_S = 0.5
TARGET_LATENCY_S = 0.1
TARGET_RSS_GROWTH_MB = 20.0
Log = list[tuple[float, str, dict[str, Any]]]


def serve(port: int, out_dir: Path) -> None:
    """The server process: storyreel's app and the bench's control routes."""
    import uvicorn
    from fastapi import APIRouter

    from storyreel.api import create_app
    from storyreel.containers import create_container
    from storyreel.jobs.models import JobInput, JobRecord, StepKind, StepRecord, new_job_id
    from storyreel.settings import load_settings

    settings = load_settings(
        {"backend": "offline", "output_dir": str(out_dir), "log_level": "WARNING"},
        env={},
        dotenv=None,
    )
    container = create_container(settings)
    app = create_app(container)
    control = APIRouter(prefix="/_bench")

    @control.post("/job")
    def job() -> dict[str, str]:
        job_id = new_job_id()
        steps = [StepRecord(key="story", kind=StepKind.STORY)]
        steps += [StepRecord(key=f"clip-{n:02d}", kind=StepKind.CLIP, index=n) for n in range(1, 7)]
        record = JobRecord(id=job_id, input=JobInput(idea="bench"), out_dir=str(out_dir))
        container.job_store().create(record, steps)
        return {"id": job_id}

    @control.post("/write/{job_id}")
    async def write(job_id: str) -> list[float]:
        """Alternately the job (its cost) and a step (its attempts), each write carrying
        its number, so that a client can tell which write an event shows."""
        store = container.job_store()
        committed = []
        for number in range(1, WRITES + 1):
            if number % 2:
                await asyncio.to_thread(store.update, job_id, estimated_cost_usd=float(number))
            else:
                step = next(s for s in store.steps(job_id) if s.key == "clip-01")
                await asyncio.to_thread(store.save_step, job_id, step.but(attempts=number))
            committed.append(time.time())
            await asyncio.sleep(GAP_S)
        return committed

    @control.post("/finish/{job_id}")
    def finish(job_id: str) -> None:
        container.job_store().update(job_id, status="succeeded")

    app.include_router(control)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def _parse(block: bytes) -> tuple[str, dict[str, Any]] | None:
    lines = block.decode().split("\n")
    fields = dict(line.split(": ", 1) for line in lines if ": " in line and line[0] != ":")
    if "data" not in fields:
        return None
    return fields.get("event", "message"), json.loads(fields["data"])


async def chunks(url: str, path: str) -> AsyncIterator[bytes]:
    """The body of ``GET path`` as it arrives (HTTP/1.1, chunked): a client as light as a
    browser's, so that the figure is the server's and not a Python client's parsing."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n\r\n"
        writer.write(request.encode())
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        while size := int((await reader.readline()).strip() or b"0", 16):
            yield await reader.readexactly(size)
            await reader.readexactly(2)
    finally:
        writer.close()


async def follow(url: str, job_id: str, log: Log, ready: asyncio.Event) -> None:
    pending = b""
    async for chunk in chunks(url, f"/v1/jobs/{job_id}/events"):
        arrived = time.time()
        *blocks, pending = (pending + chunk).split(b"\n\n")
        for block in blocks:
            parsed = _parse(block)
            if parsed is None:
                continue
            log.append((arrived, *parsed))
            if parsed[0] == "job":
                ready.set()
            if parsed[0] == "end":
                return


async def poll(http: httpx.AsyncClient, job_id: str, log: Log, stop: asyncio.Event) -> None:
    while not stop.is_set():
        response = await http.get(f"/v1/jobs/{job_id}")
        log.append((time.time(), "job", response.json()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), POLL_S)


def shown(kind: str, data: dict[str, Any]) -> int:
    """The number of the last write an event (or poll answer) shows."""
    if kind == "job":
        return int(data.get("estimated_cost_usd") or 0)
    if kind == "step" and data.get("key") == "clip-01":
        return int(data.get("attempts") or 0)
    return 0


def latencies(log: Log, committed: list[float], *, jobs_only: bool) -> list[float | None]:
    """For each write, the time from its commit to the first entry showing it (or a later
    write of the same kind); None where none did."""
    found: list[float | None] = []
    for number, at in enumerate(committed, start=1):
        if jobs_only and number % 2 == 0:
            continue
        kind = "job" if number % 2 else "step"
        seen = [t for t, k, data in log if k == kind and t >= at and shown(k, data) >= number]
        found.append(min(seen) - at if seen else None)
    return found


def summary(values: list[float | None]) -> dict[str, float | int]:
    got = sorted(v for v in values if v is not None)
    if not got:
        return {"n": 0, "missed": len(values)}
    return {
        "n": len(got),
        "missed": len(values) - len(got),
        "mean_ms": round(statistics.fmean(got) * 1000, 1),
        "p95_ms": round(got[int(0.95 * (len(got) - 1))] * 1000, 1),
        "max_ms": round(got[-1] * 1000, 1),
    }


async def run(url: str, rss: Any) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=CLIENTS + 10, max_keepalive_connections=CLIENTS + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as http:
        job_id = (await http.post("/_bench/job")).json()["id"]
        before = rss()
        logs: list[Log] = [[] for _ in range(CLIENTS)]
        readies = [asyncio.Event() for _ in range(CLIENTS)]
        followers = [
            asyncio.create_task(follow(url, job_id, log, ready))
            for log, ready in zip(logs, readies, strict=True)
        ]
        await asyncio.gather(*(ready.wait() for ready in readies))
        committed = (await http.post(f"/_bench/write/{job_id}")).json()
        connected = rss()
        await http.post(f"/_bench/finish/{job_id}")
        await asyncio.gather(*followers)
        await asyncio.sleep(0.5)
        after = rss()
        stream = [v for log in logs for v in latencies(log, committed, jobs_only=False)]

        poll_job = (await http.post("/_bench/job")).json()["id"]
        poll_logs: list[Log] = [[] for _ in range(CLIENTS)]
        stop = asyncio.Event()
        pollers = [asyncio.create_task(poll(http, poll_job, log, stop)) for log in poll_logs]
        await asyncio.sleep(POLL_S)
        started = time.perf_counter()
        poll_committed = (await http.post(f"/_bench/write/{poll_job}")).json()
        await asyncio.sleep(POLL_S * 2)
        stop.set()
        await asyncio.gather(*pollers)
        elapsed = time.perf_counter() - started
        polled = [v for log in poll_logs for v in latencies(log, poll_committed, jobs_only=True)]
        requests = sum(len(log) for log in poll_logs)
    sse, polling = summary(stream), summary(polled)
    growth = max(connected, after) - before
    return {
        "clients": CLIENTS,
        "writes": WRITES,
        "events": sse,
        "polling": {**polling, "interval_s": POLL_S, "requests_per_s": round(requests / elapsed)},
        "mean_ratio_polling_to_events": round(polling["mean_ms"] / sse["mean_ms"], 1)
        if sse.get("mean_ms") and polling.get("mean_ms")
        else None,
        "rss_mb": {"before": round(before, 1), "connected": round(connected, 1)}
        | {"after": round(after, 1), "growth": round(growth, 1)},
        "target_latency_ms": TARGET_LATENCY_S * 1000,
        "target_rss_growth_mb": TARGET_RSS_GROWTH_MB,
        "ok": sse["missed"] == 0
        and sse.get("max_ms", 1e9) <= TARGET_LATENCY_S * 1000
        and growth < TARGET_RSS_GROWTH_MB,
    }


def report(result: dict[str, Any]) -> None:
    sse, polling, rss = result["events"], result["polling"], result["rss_mb"]
    print(f"Job events, {result['clients']} clients, {result['writes']} store writes")
    print(
        f"  event stream: mean {sse.get('mean_ms')} ms, p95 {sse.get('p95_ms')} ms, "
        f"max {sse.get('max_ms')} ms, missed {sse['missed']} of {sse['n'] + sse['missed']} "
        f"(target: all within {result['target_latency_ms']:g} ms)"
    )
    print(
        f"  polling every {polling['interval_s']:g} s: mean {polling.get('mean_ms')} ms, "
        f"p95 {polling.get('p95_ms')} ms, max {polling.get('max_ms')} ms, "
        f"{polling['requests_per_s']} requests/s"
    )
    print(f"  polling / events mean latency: {result['mean_ratio_polling_to_events']}")
    print(
        f"  server RSS: {rss['before']} -> {rss['connected']} MB with the streams open, "
        f"{rss['after']} MB after; growth {rss['growth']} MB "
        f"(target < {result['target_rss_growth_mb']:g})"
    )


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    serve(int(sys.argv[2]), Path(sys.argv[3]))
