"""The FastAPI application: its container, the lifespan (clients, emulator, jobs), errors.

storyreel's routes take what they need from the container of the application that serves
them (:func:`attach` puts it in ``app.state.container``), so any number of applications,
each on its own container, can live in one process. A host application attaches its own
container, which must provide the same names (``config``, ``screenwriter``,
``media_service``, ``job_store``, ``activity``, ``job_runner``, ``reel_jobs``,
``job_tasks``), e.g. a subclass of :class:`storyreel.containers.Container`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from storyreel import __version__
from storyreel.api.job_views import work
from storyreel.api.problems import problem_response
from storyreel.errors import StoryreelError
from storyreel.jobs.models import SERVER_ROLE, JobStatus, parse_owner, this_process
from storyreel.jobs.tasks import JobTasks

if TYPE_CHECKING:
    from storyreel.containers import Container

logger = logging.getLogger(__name__)

# How often a server looks for jobs whose owner has died since it started.
RESCAN_S = 30.0


def attach(app: FastAPI, container: Container) -> None:
    """Serve storyreel's routes of ``app`` from ``container``."""
    app.state.container = container


def _start(container: Container) -> None:
    # Building the clients now (and the emulator when offline) keeps the first request fast.
    # A client whose key is missing is left unbuilt: the routes that need it answer 503
    # naming the variable, and every other route works.
    container.endpoints()
    settings = container.config()
    if not settings.missing_credentials("openrouter"):
        container.async_openai_client()
    if not settings.missing_credentials("google"):
        container.genai_client()
    container.job_store()


def resume_interrupted(container: Container, tasks: JobTasks) -> list[str]:
    """Start a task for each job a server left unfinished, and each job whose process
    crashed. A job stopped on purpose at the command line (Ctrl-C) waits for
    `storyreel resume`, which asks before spending."""
    runner = container.job_runner(owner=this_process(SERVER_ROLE))
    orphans = runner.orphaned()
    missing = container.config().missing_credentials()
    if orphans and missing:
        # Left for a server that has the keys: resumed here, they would only fail.
        logger.warning("not resuming %d interrupted job(s): %s", len(orphans), "; ".join(missing))
        return []
    resumed = []
    for job in orphans:
        _, _, role = parse_owner(job.owner or "")
        if job.status is JobStatus.QUEUED and role != SERVER_ROLE:
            continue
        if tasks.start(job.id, work(runner.resume, job.id)):
            resumed.append(job.id)
    if resumed:
        logger.info("resuming %d interrupted job(s): %s", len(resumed), ", ".join(resumed))
    return resumed


@asynccontextmanager
async def storyreel_lifespan(container: Container) -> AsyncIterator[None]:
    """What a server process does around serving: start the clients (and the offline
    emulator), resume interrupted jobs; at the end cancel running job tasks (they stay
    resumable) and close the clients. Host applications enter it from their own lifespan.
    """
    await asyncio.to_thread(_start, container)
    tasks: JobTasks = container.job_tasks()
    # With jobs.queue: celery, workers run the jobs and pick up those of dead processes.
    inline = container.config().jobs.queue == "inline"
    rescans = None
    if inline:
        resume_interrupted(container, tasks)
        # A job whose previous owner only looked alive at start-up (a fresh heartbeat from a
        # server that just died elsewhere) is picked up by a later scan.
        rescans = asyncio.get_running_loop().create_task(_rescan(container, tasks))
    try:
        yield
    finally:
        if rescans is not None:
            rescans.cancel()
        # Interrupted jobs go back to the queue (the job layer does that); the next start
        # of a server on this job store resumes them.
        # Paid submits in flight get their grace, and a little more to be recorded.
        grace_s = container.config().jobs.stop_grace_s + 5
        interrupted = await tasks.shutdown(grace_s)
        if interrupted:
            logger.info("interrupted %d job(s) at shutdown: %s", len(interrupted), interrupted)
        from storyreel.containers import aclose_container

        await aclose_container(container)


async def _rescan(container: Container, tasks: JobTasks, every_s: float = RESCAN_S) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            resume_interrupted(container, tasks)
        except StoryreelError as exc:
            logger.warning("cannot look for interrupted jobs: %s", exc)


async def _problem(request: Request, exc: Exception) -> Response:
    return problem_response(exc, request)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer unknown routes, wrong methods and stray errors with problem documents too."""
    app.add_exception_handler(HTTPException, _problem)
    app.add_exception_handler(RequestValidationError, _problem)
    app.add_exception_handler(Exception, _problem)


def create_app(container: Container | None = None) -> FastAPI:
    """The storyreel API as an application of its own, on ``container`` (a configured
    :func:`~storyreel.containers.create_container` by default)."""
    from storyreel.api import build_router
    from storyreel.api.docs import build_docs_router
    from storyreel.api.routes_studio import build_home_router

    if container is None:
        from storyreel.containers import create_container

        container = create_container()
    chosen = container

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with storyreel_lifespan(chosen):
            yield
        queue = getattr(app.state, "storyreel_job_queue", None)
        if queue is not None:  # jobs.queue: celery (see storyreel.api.dependencies)
            queue.close()

    app = FastAPI(
        title="storyreel",
        version=__version__,
        summary="Turn an idea into a short video: story, clips, thumbnail.",
        lifespan=lifespan,
        # Served by build_docs_router instead: FastAPI's own docs routes take no token.
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
    )
    attach(app, container)
    app.include_router(build_router())
    app.include_router(build_docs_router())
    app.include_router(build_home_router())
    install_problem_handlers(app)
    return app


__all__ = [
    "attach",
    "create_app",
    "install_problem_handlers",
    "resume_interrupted",
    "storyreel_lifespan",
]
