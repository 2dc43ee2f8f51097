"""``GET /v1/jobs/{id}/events``: a job's progress as server-sent events."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Header, Query
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import StreamingResponse

from storyreel.api import job_views as views
from storyreel.api.dependencies import AppJobRunner, AppJobTasks, AppLimiter, app_container
from storyreel.api.event_feed import END_KEY, JOB_KEY, JobFeed, JobFeeds, Reading
from storyreel.api.problems import problem_responses
from storyreel.api.quota_views import QuotaWait, quota_waits
from storyreel.api.routes_media import JobId
from storyreel.api.routing import problem_router
from storyreel.domain.timestamps import UtcTimestamp
from storyreel.jobs.changes import ChangeBell
from storyreel.jobs.models import StepKind, StepRecord, StepStatus
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.tasks import JobTasks
from storyreel.quota import Limiter

events_router = problem_router(401, tags=["media"])

EVENT_STREAM = "text/event-stream"
# Sent once at the start: how long an EventSource waits before it reconnects.
RETRY_MS = 2000

_DESCRIPTION = """\
A job's progress as it happens (`text/event-stream`). Each event has an `id` (increasing;
the first events of a stream may share one), an `event` type and one line of JSON `data`:

- `job`: the job, as `GET /v1/jobs/{id}` answers it; sent first, then whenever the job
  changes (status, cost, cancel request, quota waits).
- `step`: one step (`StepEvent`: `key`, `kind`, `index`, `status`, `error`, `artifact`,
  `attempts`, `submissions`, `updated_at`, `waiting_for_quota`) each time it changes.
- `end`: the finished job (same JSON as `job`); the server then closes the stream.

A comment line (`: keep-alive`) comes every 15 s while nothing changes. To resume, send the
last id received in the `Last-Event-ID` header (an `EventSource` does that by itself) or as
`?last_event_id=`: only what changed after it is sent. Every event carries the whole state of
its job or step, so one sent twice is harmless. Changes made by this server reach the stream
at once; changes by another process sharing the job store within `poll` time (0.5 s).
"""

_EXAMPLE = (
    "retry: 2000\n\n"
    'id: 1764744000000000\nevent: job\ndata: {"id": "20261203-060000-3fa9c2", '
    '"status": "running", ...}\n\n'
    'id: 1764744000120000\nevent: step\ndata: {"key": "clip-01", "kind": "clip", '
    '"index": 1, "status": "submitted", ...}\n\n'
)


class StepEvent(BaseModel):
    """The ``data`` of a ``step`` event: one step of the job as the store holds it, and the
    rate-limit budget it waits for, if any."""

    key: str
    kind: StepKind
    index: int | None
    status: StepStatus
    error: str | None
    artifact: str | None
    attempts: int
    submissions: int
    updated_at: UtcTimestamp
    waiting_for_quota: QuotaWait | None = None


def step_event(step: StepRecord, wait: QuotaWait | None) -> StepEvent:
    fields = step.model_dump(include=set(StepEvent.model_fields) - {"waiting_for_quota"})
    return StepEvent(**fields, waiting_for_quota=wait)


def reader(
    runner: JobRunner, tasks: JobTasks, limiter: Limiter, job_id: str
) -> Callable[[], Reading]:
    """How a watcher reads ``job_id``: the job and its steps, their quota waits."""

    def read() -> Reading:
        view = views.find(runner, job_id)
        waits = quota_waits(limiter, job_id)
        running_here = tasks.running(job_id)
        by_step = {wait.step: wait for wait in waits if wait.step}

        # Rendered here, in the reading thread: it looks at the job's files on disk.
        found = views.detail(view, running_here=running_here)
        rendered = found.model_copy(update={"quota_waits": waits}).model_dump_json()

        def job_json() -> str:
            return rendered

        job = view.job
        things: dict[str, tuple[object, Callable[[], str]]] = {
            JOB_KEY: ((job.updated_at, job.status, running_here, tuple(waits)), job_json)
        }
        for step in view.steps:
            wait = by_step.get(step.key)
            event = step_event(step, wait)
            things[f"step:{step.key}"] = (event, event.model_dump_json)
        return Reading(things=things, final=job_json if job.final else None)

    return read


def job_feeds(request: Request) -> JobFeeds:
    """The watchers of the application serving ``request`` (made on first use)."""
    state = request.app.state
    feeds: JobFeeds | None = getattr(state, "storyreel_job_feeds", None)
    if feeds is None:
        feeds = state.storyreel_job_feeds = JobFeeds()
    if not hasattr(state, "storyreel_events_loop"):
        state.storyreel_events_loop = asyncio.get_running_loop()
    return feeds


def close_event_streams(app: Starlette) -> None:
    """End the open event streams of ``app``; callable from a signal handler or any thread
    (a server calls it when asked to stop, before it waits for open responses)."""
    feeds: JobFeeds | None = getattr(app.state, "storyreel_job_feeds", None)
    loop: asyncio.AbstractEventLoop | None = getattr(app.state, "storyreel_events_loop", None)
    if feeds is not None and loop is not None and not loop.is_closed():
        loop.call_soon_threadsafe(feeds.close)


def _cursor(*given: str | None) -> int | None:
    for value in given:
        if value is not None and value.strip().isdigit():
            return int(value.strip())
    return None


async def follow(
    feeds: JobFeeds, job_id: str, make: Callable[[], JobFeed], cursor: int | None
) -> AsyncIterator[bytes]:
    """The bytes of one client's stream, until the job ends or the client leaves."""
    # Joined here, not before: a stream that is never started never leaves.
    feed = feeds.join(job_id, make)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        while not feeds.closing:
            woken = feed.waiter()
            events = feed.after(cursor)
            if events:
                yield b"".join(event.encode() for event in events)
                cursor = events[-1].id
                if events[-1].type == END_KEY:
                    return
            try:
                await asyncio.wait_for(woken.wait(), feeds.heartbeat_s)
            except TimeoutError:
                yield b": keep-alive\n\n"
    finally:
        feeds.leave(feed)


@events_router.get(
    "/jobs/{job_id}/events",
    summary="Follow a job's progress (server-sent events)",
    description=_DESCRIPTION,
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "The job's events, until it ends.",
            "content": {EVENT_STREAM: {"schema": {"type": "string"}, "example": _EXAMPLE}},
        },
        **problem_responses(404),
    },
)
async def job_events(
    job_id: JobId,
    request: Request,
    runner: AppJobRunner,
    tasks: AppJobTasks,
    limiter: AppLimiter,
    last_event_id: Annotated[
        str | None, Query(description="The last id received, for clients that cannot send headers.")
    ] = None,
    last_event_id_header: Annotated[
        str | None, Header(alias="Last-Event-ID", description="The last id received.")
    ] = None,
) -> StreamingResponse:
    await asyncio.to_thread(views.find, runner, job_id)
    feeds = job_feeds(request)
    store = app_container(request).job_store()
    bell = getattr(store, "changes", None)

    def make() -> JobFeed:
        read = reader(runner, tasks, limiter, job_id)
        ringing = bell if isinstance(bell, ChangeBell) else None
        return JobFeed(job_id, read, ringing, feeds.poll_s)

    cursor = _cursor(last_event_id_header, last_event_id)
    return StreamingResponse(
        follow(feeds, job_id, make, cursor),
        media_type=EVENT_STREAM,
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


__all__ = ["StepEvent", "close_event_streams", "events_router", "job_feeds"]
