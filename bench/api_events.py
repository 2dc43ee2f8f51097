"""The job event stream against polling, measured in one run (run by ``bench/api.py``).

A server process (this file with ``--serve``: storyreel's app under uvicorn, offline, plus a
few ``/_bench`` routes) writes changes to 50 jobs in its store, the way running jobs do: one
change to each job in turn, round-robin, ``WRITES`` rounds, recording the moment each write
committed, per job. 50 clients each follow their own job with ``GET /v1/jobs/{id}/events``,
so the server runs 50 watchers reading the store at once; then, for 50 other jobs with the
same writes, 50 clients each poll their own job's ``GET /v1/jobs/{id}`` every ``POLL_S``.
A change's latency for a client is the time from its commit to the first event (or poll
answer) that shows it or a later change. Targets: every change reaches its stream client
within 100 ms; the server's RSS, with the 50 streams open and after they close, grows < 20 MB.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import httpx

# At module level, not in serve(): FastAPI reads the routes' annotations (strings here) in
# the module's globals.
from fastapi import Body

CLIENTS = 50  # and as many jobs: each client follows (or polls) a job of its own
WRITES = 10  # per job, alternately the job and a step: 500 writes in all
GAP_S = 0.01  # between two writes (to two different jobs): ~100 writes/s across the jobs
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

    @control.post("/jobs")
    def jobs(count: int) -> list[str]:
        """``count`` new jobs, each a story step and six clip steps, all pending."""
        made = []
        for _ in range(count):
            job_id = new_job_id()
            steps = [StepRecord(key="story", kind=StepKind.STORY)]
            steps += [
                StepRecord(key=f"clip-{n:02d}", kind=StepKind.CLIP, index=n) for n in range(1, 7)
            ]
            record = JobRecord(id=job_id, input=JobInput(idea="bench"), out_dir=str(out_dir))
            container.job_store().create(record, steps)
            made.append(job_id)
        return made

    @control.post("/write")
    async def write(job_ids: Annotated[list[str], Body()]) -> dict[str, list[float]]:
        """``WRITES`` rounds of one write to each job in turn: alternately the job (its cost)
        and a step (its attempts), each write carrying its round's number, so that a client
        can tell which write an event shows. The commit times, by job."""
        store = container.job_store()
        clip = {
            job_id: next(s for s in store.steps(job_id) if s.key == "clip-01") for job_id in job_ids
        }
        committed: dict[str, list[float]] = {job_id: [] for job_id in job_ids}
        for number in range(1, WRITES + 1):
            for job_id in job_ids:
                # The commit's time is taken in the writing thread, as the write returns: the
                # store wakes the watchers from there, and one may send the event before
                # this loop runs again.
                if number % 2:
                    at = await asyncio.to_thread(
                        _timed, store.update, job_id, estimated_cost_usd=float(number)
                    )
                else:
                    step = clip[job_id].but(attempts=number)
                    at = await asyncio.to_thread(_timed, store.save_step, job_id, step)
                committed[job_id].append(at)
                await asyncio.sleep(GAP_S)
        return committed

    @control.post("/finish")
    def finish(job_ids: Annotated[list[str], Body()]) -> None:
        for job_id in job_ids:
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


def _timed(write: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    """Run ``write(*args, **kwargs)`` and return when it returned (Unix time)."""
    write(*args, **kwargs)
    return time.time()


def latencies(log: Log, committed: list[float], *, jobs_only: bool) -> list[float | None]:
    """For each write, the time from its commit to the first entry showing it (or a later
    write of the same kind); None where none did."""
    found: list[float | None] = []
    for number, at in enumerate(committed, start=1):
        if jobs_only and number % 2 == 0:
            continue
        kind = "job" if number % 2 else "step"
        # No event can show write n before write n committed: the first that shows it is
        # its latency (0 when it arrived while the commit's time was being taken).
        seen = [t for t, k, data in log if k == kind and shown(k, data) >= number]
        found.append(max(min(seen) - at, 0.0) if seen else None)
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


async def new_jobs(http: httpx.AsyncClient) -> list[str]:
    """``CLIENTS`` new jobs on the server, one for each client."""
    response = await http.post("/_bench/jobs", params={"count": CLIENTS})
    response.raise_for_status()
    return [str(job_id) for job_id in response.json()]


async def write(http: httpx.AsyncClient, job_ids: list[str]) -> dict[str, list[float]]:
    """The server's writes to ``job_ids`` (round-robin); each job's commit times."""
    response = await http.post("/_bench/write", json=job_ids)
    response.raise_for_status()
    return {str(job_id): [float(at) for at in times] for job_id, times in response.json().items()}


async def run(url: str, rss: Callable[[], float]) -> dict[str, Any]:
    """The measure against the server at ``url``; ``rss`` reads its resident memory (MB)."""
    limits = httpx.Limits(max_connections=CLIENTS + 10, max_keepalive_connections=CLIENTS + 10)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=120) as http:
        job_ids = await new_jobs(http)
        before = rss()
        logs: list[Log] = [[] for _ in job_ids]
        readies = [asyncio.Event() for _ in job_ids]
        followers = [
            asyncio.create_task(follow(url, job_id, log, ready))
            for job_id, log, ready in zip(job_ids, logs, readies, strict=True)
        ]
        await asyncio.gather(*(ready.wait() for ready in readies))
        committed = await write(http, job_ids)
        connected = rss()
        (await http.post("/_bench/finish", json=job_ids)).raise_for_status()
        await asyncio.gather(*followers)
        await asyncio.sleep(0.5)
        after = rss()
        stream = [
            latency
            for job_id, log in zip(job_ids, logs, strict=True)
            for latency in latencies(log, committed[job_id], jobs_only=False)
        ]

        poll_ids = await new_jobs(http)
        poll_logs: list[Log] = [[] for _ in poll_ids]
        stop = asyncio.Event()
        pollers = [
            asyncio.create_task(poll(http, job_id, log, stop))
            for job_id, log in zip(poll_ids, poll_logs, strict=True)
        ]
        await asyncio.sleep(POLL_S)
        started = time.perf_counter()
        poll_committed = await write(http, poll_ids)
        await asyncio.sleep(POLL_S * 2)
        stop.set()
        await asyncio.gather(*pollers)
        elapsed = time.perf_counter() - started
        polled = [
            latency
            for job_id, log in zip(poll_ids, poll_logs, strict=True)
            for latency in latencies(log, poll_committed[job_id], jobs_only=True)
        ]
        requests = sum(len(log) for log in poll_logs)
    sse, polling = summary(stream), summary(polled)
    growth = max(connected, after) - before
    return {
        "clients": CLIENTS,
        "jobs": len(job_ids),
        "writes_per_job": WRITES,
        "writes": WRITES * len(job_ids),
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
    print(
        f"Job events, {result['clients']} clients each following its own job "
        f"({result['jobs']} jobs), {result['writes_per_job']} store writes per job, "
        f"{result['writes']} in all, round-robin"
    )
    print(
        f"  event streams (one per job): mean {sse.get('mean_ms')} ms, p95 {sse.get('p95_ms')} ms, "
        f"max {sse.get('max_ms')} ms, missed {sse['missed']} of {sse['n'] + sse['missed']} "
        f"(target: all within {result['target_latency_ms']:g} ms)"
    )
    print(
        f"  polling (each client its own job) every {polling['interval_s']:g} s: "
        f"mean {polling.get('mean_ms')} ms, p95 {polling.get('p95_ms')} ms, "
        f"max {polling.get('max_ms')} ms, "
        f"{polling['requests_per_s']} requests/s"
    )
    print(f"  polling / events mean latency: {result['mean_ratio_polling_to_events']}")
    print(
        f"  server RSS: {rss['before']} -> {rss['connected']} MB with the "
        f"{result['clients']} streams open, "
        f"{rss['after']} MB after; growth {rss['growth']} MB "
        f"(target < {result['target_rss_growth_mb']:g})"
    )


if __name__ == "__main__" and sys.argv[1:2] == ["--serve"]:
    serve(int(sys.argv[2]), Path(sys.argv[3]))
