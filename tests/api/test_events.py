"""``GET /v1/jobs/{id}/events``: the job first, each change as it is stored (by this process
or another), resuming after ``Last-Event-ID``, heartbeats, the end; one bounded watcher per
job however many clients follow it."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from storyreel.api.event_feed import JOB_KEY, JobFeed, JobFeeds, Reading
from storyreel.api.routes_events import close_event_streams
from storyreel.containers import Container
from storyreel.jobs.models import (
    JobInput,
    JobRecord,
    JobStatus,
    StepKind,
    StepRecord,
    StepStatus,
    new_job_id,
)
from storyreel.jobs.store import JobStore
from storyreel.quota import BudgetStore, QuotaWait, default_store_path
from storyreel.settings import Settings

from .conftest import assert_problem

Event = dict[str, Any]


def make_job(store: JobStore, out_dir: Path, *, status: JobStatus = JobStatus.QUEUED) -> str:
    """A job nobody runs (no owner, so no server resumes it), with a story and two clips."""
    job_id = new_job_id()
    steps = [
        StepRecord(key="story", kind=StepKind.STORY, status=StepStatus.SUCCEEDED),
        StepRecord(key="clip-01", kind=StepKind.CLIP, index=1),
        StepRecord(key="clip-02", kind=StepKind.CLIP, index=2),
    ]
    job = JobRecord(id=job_id, status=status, input=JobInput(idea="a kite"), out_dir=str(out_dir))
    store.create(job, steps)
    return job_id


def set_step(store: JobStore, job_id: str, key: str, status: StepStatus) -> None:
    step = next(step for step in store.steps(job_id) if step.key == key)
    store.save_step(job_id, step.but(status=status))


async def read_events(lines: AsyncIterator[str], count: int) -> list[Event]:
    """The next ``count`` events (comments included, as ``{"comment": ...}``)."""
    found: list[Event] = []
    event: Event = {}
    async for line in lines:
        if line.startswith(":"):
            found.append({"comment": line[1:].strip()})
        elif line.startswith(("id:", "event:", "data:", "retry:")):
            name, _, value = line.partition(":")
            event[name] = value.strip()
        elif line == "" and event:
            if "data" in event:
                event["data"] = json.loads(event["data"])
                event["id"] = int(event["id"])
                found.append(event)
            event = {}
        if len(found) == count:
            break
    return found


async def left_but_one(feeds: JobFeeds, job_id: str) -> None:
    """Wait until the clients that hung up have left the watcher of ``job_id``."""
    feed = feeds._feeds[job_id]
    for _ in range(200):
        if feed.clients == 1:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{feed.clients} clients still follow the job")


@pytest.fixture
def store(container: Container) -> JobStore:
    built: JobStore = container.job_store()
    return built


@pytest.fixture
def feeds(app: FastAPI) -> JobFeeds:
    # The bell alone must carry changes made here: the store is looked at only once a minute.
    made = app.state.storyreel_job_feeds = JobFeeds(poll_s=60.0, heartbeat_s=15.0)
    return made


@pytest.fixture
async def served(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The app (its lifespan run by ``client``) behind uvicorn on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="warning", timeout_graceful_shutdown=1)
    server = uvicorn.Server(config)
    task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        yield http
    server.should_exit = True
    await task
    sock.close()


async def test_events_of_a_finished_job_then_the_end(
    client: httpx.AsyncClient, store: JobStore, tmp_path: Path
) -> None:
    job_id = make_job(store, tmp_path, status=JobStatus.SUCCEEDED)

    response = await client.get(f"/v1/jobs/{job_id}/events")
    job = (await client.get(f"/v1/jobs/{job_id}")).json()

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    assert response.text.startswith("retry: 2000\n\n")
    events = await read_events(aiter_lines(response.text), 5)
    assert [event["event"] for event in events] == ["job", "step", "step", "step", "end"]
    assert len({event["id"] for event in events}) == 1  # one state, one id
    assert events[0]["data"] == job == events[-1]["data"]
    assert [event["data"]["key"] for event in events[1:4]] == ["story", "clip-01", "clip-02"]
    assert events[1]["data"]["status"] == "succeeded"
    assert events[2]["data"]["waiting_for_quota"] is None


async def aiter_lines(text: str) -> AsyncIterator[str]:
    for line in text.split("\n"):
        yield line


async def test_events_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/v1/jobs/no-such-job/events"), 404)


async def test_events_follow_changes_of_this_process_through_the_bell(
    served: httpx.AsyncClient, feeds: JobFeeds, store: JobStore, tmp_path: Path
) -> None:
    job_id = make_job(store, tmp_path)

    async with served.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        lines = response.aiter_lines()
        first = await read_events(lines, 4)
        await asyncio.to_thread(set_step, store, job_id, "clip-01", StepStatus.SUBMITTED)
        moved = await read_events(lines, 1)
        await asyncio.to_thread(store.update, job_id, status=JobStatus.SUCCEEDED)
        last = await read_events(lines, 10)  # as many as come before the server closes

    assert [event["event"] for event in first] == ["job", "step", "step", "step"]
    assert first[0]["data"]["status"] == "queued"
    assert moved[0]["event"] == "step"
    assert moved[0]["data"]["key"] == "clip-01"
    assert moved[0]["data"]["status"] == "submitted"
    assert moved[0]["id"] > first[0]["id"]
    assert [event["event"] for event in last] == ["job", "end"]
    assert last[0]["data"]["status"] == last[1]["data"]["status"] == "succeeded"
    assert moved[0]["id"] < last[0]["id"] < last[1]["id"]
    assert len(feeds) == 0  # the watcher left with its last client


async def test_events_resume_after_the_last_event_id(
    served: httpx.AsyncClient, feeds: JobFeeds, store: JobStore, tmp_path: Path
) -> None:
    job_id = make_job(store, tmp_path)
    url = f"/v1/jobs/{job_id}/events"

    async with served.stream("GET", url) as follower:
        lines = follower.aiter_lines()
        await read_events(lines, 4)
        await asyncio.to_thread(set_step, store, job_id, "clip-01", StepStatus.SUBMITTED)
        seen = (await read_events(lines, 1))[0]
        await asyncio.to_thread(set_step, store, job_id, "clip-02", StepStatus.SUBMITTED)
        missed = (await read_events(lines, 1))[0]

        headers = {"Last-Event-ID": str(seen["id"])}
        async with served.stream("GET", url, headers=headers) as by_header:
            again = await read_events(by_header.aiter_lines(), 1)
        async with served.stream("GET", url, params={"last_event_id": seen["id"]}) as by_query:
            again_by_query = await read_events(by_query.aiter_lines(), 1)
        assert len(feeds) == 1  # three clients, one watcher
        await left_but_one(feeds, job_id)
        await asyncio.to_thread(store.update, job_id, status=JobStatus.CANCELLED)
        await read_events(lines, 2)

    assert missed["data"]["key"] == "clip-02"
    assert again == [missed] == again_by_query


async def test_events_follow_a_job_run_by_another_process(
    served: httpx.AsyncClient, app: FastAPI, store: JobStore, tmp_path: Path
) -> None:
    app.state.storyreel_job_feeds = JobFeeds(poll_s=0.05)
    job_id = make_job(store, tmp_path)
    path = store.path  # type: ignore[attr-defined]
    other = (
        "import sys\n"
        "from storyreel.jobs.sqlite import SqliteJobStore\n"
        "from storyreel.jobs.models import StepStatus\n"
        "store = SqliteJobStore(sys.argv[1])\n"
        "step = next(s for s in store.steps(sys.argv[2]) if s.key == 'clip-02')\n"
        "store.save_step(sys.argv[2], step.but(status=StepStatus.FAILED, error='refused'))\n"
    )

    async with served.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        lines = response.aiter_lines()
        await read_events(lines, 4)
        await asyncio.to_thread(
            subprocess.run, [sys.executable, "-c", other, str(path), job_id], check=True
        )
        changed = await read_events(lines, 1)
        await asyncio.to_thread(store.update, job_id, status=JobStatus.FAILED)
        await read_events(lines, 2)

    assert changed[0]["data"]["key"] == "clip-02"
    assert changed[0]["data"]["status"] == "failed"
    assert changed[0]["data"]["error"] == "refused"


async def test_events_heartbeats_while_nothing_changes(
    served: httpx.AsyncClient, app: FastAPI, store: JobStore, tmp_path: Path
) -> None:
    app.state.storyreel_job_feeds = JobFeeds(heartbeat_s=0.05)
    job_id = make_job(store, tmp_path)

    async with served.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        found = await read_events(response.aiter_lines(), 6)

    assert found[4:] == [{"comment": "keep-alive"}] * 2


def test_events_a_watcher_keeps_one_event_per_thing() -> None:
    def reading(round_: int) -> Reading:
        things: dict[str, tuple[object, Any]] = {
            JOB_KEY: (round_ // 10, lambda: "{}"),
            **{f"step:clip-{n}": (round_, lambda: "{}") for n in range(3)},
        }
        return Reading(things=things, final=None)

    feed = JobFeed("job", lambda: reading(0), None, poll_s=1.0)
    for round_ in range(1000):
        feed.apply(reading(round_))

    assert len(feed._latest) == 4
    burst = feed.after(None)
    assert [event.type for event in burst] == ["job", "step", "step", "step"]
    assert feed.after(burst[0].id) == []


async def test_events_are_documented_in_openapi(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()

    operation = spec["paths"]["/v1/jobs/{job_id}/events"]["get"]
    assert "text/event-stream" in operation["responses"]["200"]["content"]
    assert "Last-Event-ID" in operation["description"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert {"job_id", "last_event_id", "Last-Event-ID"} <= names


async def test_events_end_when_the_server_stops(
    served: httpx.AsyncClient, app: FastAPI, feeds: JobFeeds, store: JobStore, tmp_path: Path
) -> None:
    job_id = make_job(store, tmp_path)

    async with served.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        lines = response.aiter_lines()
        await read_events(lines, 4)
        close_event_streams(app)  # what `storyreel serve` does when asked to stop
        rest = [line async for line in lines]

    assert rest == []  # closed without an `end`: the job goes on; a client resumes later
    assert len(feeds) == 0
    refused_late = await served.get(f"/v1/jobs/{job_id}/events")
    assert refused_late.text == "retry: 2000\n\n"


async def test_events_show_a_step_waiting_for_quota(
    served: httpx.AsyncClient,
    app: FastAPI,
    store: JobStore,
    api_settings: Settings,
    tmp_path: Path,
) -> None:
    # Waits live in the quota store, not the job store: they are seen at the next look.
    app.state.storyreel_job_feeds = JobFeeds(poll_s=0.05)
    job_id = make_job(store, tmp_path)
    other = BudgetStore(default_store_path(api_settings.output_dir))

    try:
        async with served.stream("GET", f"/v1/jobs/{job_id}/events") as response:
            lines = response.aiter_lines()
            await read_events(lines, 4)
            other.set_wait("w1", QuotaWait(job_id, "clip-02", "waiting for Veo quota", 1e9))
            waiting = await read_events(lines, 2)
            other.clear_wait("w1")
            done = await read_events(lines, 2)
            await asyncio.to_thread(store.update, job_id, status=JobStatus.CANCELLED)
    finally:
        other.close()

    step, job = sorted(waiting, key=lambda event: event["event"] == "job")
    assert step["data"]["key"] == "clip-02"
    assert step["data"]["waiting_for_quota"]["what"] == "waiting for Veo quota"
    assert job["data"]["quota_waits"][0]["step"] == "clip-02"
    assert {event["event"] for event in done} == {"step", "job"}
    assert all(event["data"].get("waiting_for_quota") is None for event in done)
    assert [event["data"]["quota_waits"] for event in done if event["event"] == "job"] == [[]]
