"""How a job route hands work on: to a task of this server (``jobs.queue: inline``) or to the
workers through the broker (``jobs.queue: celery``), as one :class:`JobAction` either way."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from starlette.requests import Request

from storyreel.api.dependencies import app_container
from storyreel.api.problems import ApiProblem
from storyreel.jobs.manifest import Manifest
from storyreel.jobs.models import SERVER_ROLE, JobRecord, this_process
from storyreel.jobs.resuming import requeue
from storyreel.workers.actions import JobAction, execute
from storyreel.workers.broker import BrokerUnavailable
from storyreel.workers.queue import JobQueue


def inline_work(request: Request, action: JobAction) -> Callable[[], Awaitable[Manifest]]:
    """A task body doing ``action`` in this server, claimed in the server's name (so that
    the next server on the same store resumes it after a crash): the same mapping from an
    action to the job layer as a worker's."""
    container = app_container(request)
    owner = this_process(SERVER_ROLE)
    runner, reels = container.job_runner(owner=owner), container.reel_jobs(owner=owner)

    async def run() -> Manifest:
        return await execute(action, runner, reels)

    return run


def queue_again(request: Request, job: JobRecord, *, only_idle: bool = False) -> JobRecord:
    """``job`` (as just read and checked) back in the queue in the server's name, so that the
    action sent for it names its new fence; a JobError (409) if someone took it meanwhile,
    or (``only_idle``: a reshoot, a re-assembly) if it already waits to run."""
    container = app_container(request)
    lease_s: float = container.config().jobs.lease_s
    owner = this_process(SERVER_ROLE)
    return requeue(container.job_store(), job, owner, lease_s=lease_s, only_idle=only_idle)


async def send(queue: JobQueue, action: JobAction) -> None:
    """Send ``action`` to the workers; a 503 problem when the broker cannot take it (the job
    stays queued: resuming it once the broker is back sends it again)."""
    try:
        await asyncio.to_thread(queue.enqueue, action)
    except BrokerUnavailable as exc:
        raise ApiProblem(
            503,
            f"{exc}. Job {action.job_id} is saved as queued: "
            f"POST /v1/jobs/{action.job_id}/resume once the broker is back",
            slug="queue-unavailable",
            retryable=True,
        ) from None


__all__ = ["inline_work", "queue_again", "send"]
