"""What a route takes from its application's container: FastAPI dependencies, no wiring.

Each request reads the container of the application that received it
(``request.app.state.container``, set by :func:`storyreel.api.attach`), so that two
applications in one process never share an object graph.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends
from starlette.requests import Request

from storyreel.errors import ConfigError
from storyreel.jobs.models import SERVER_ROLE, this_process
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.store import JobStore
from storyreel.jobs.tasks import JobTasks
from storyreel.quota import Limiter
from storyreel.services.google.media import MediaService
from storyreel.services.openrouter.screenwriter import Screenwriter
from storyreel.settings import Settings
from storyreel.workers.queue import JobQueue

if TYPE_CHECKING:
    from storyreel.containers import Container


def app_container(request: Request) -> Container:
    """The container of the application serving ``request``."""
    container: Container | None = getattr(request.app.state, "container", None)
    if container is None:
        raise ConfigError(
            "this application has no storyreel container: call "
            "storyreel.api.attach(app, container) before serving storyreel's routes"
        )
    return container


def _settings(request: Request) -> Settings:
    settings: Settings = app_container(request).config()
    return settings


def _job_runner(request: Request) -> JobRunner:
    # Jobs a server accepts carry the server role, so that the next server on the same store
    # resumes them after a crash; jobs stopped at the command line wait for the user.
    runner: JobRunner = app_container(request).job_runner(owner=this_process(SERVER_ROLE))
    return runner


def _filming_runner(request: Request) -> JobRunner:
    # Routes that film call Google: live without its credential they answer 503 naming the
    # variable, instead of accepting a job that can only fail. Reading jobs needs no key.
    _settings(request).require_credentials("google")
    return _job_runner(request)


def _job_tasks(request: Request) -> JobTasks:
    tasks: JobTasks = app_container(request).job_tasks()
    return tasks


def _job_store(request: Request) -> Callable[[], JobStore]:
    store: Callable[[], JobStore] = app_container(request).job_store
    return store


def _limiter(request: Request) -> Limiter:
    limiter: Limiter = app_container(request).limiter()
    return limiter


def _media_service(request: Request) -> MediaService:
    media: MediaService = app_container(request).media_service()
    return media


def _screenwriter(request: Request) -> Screenwriter:
    screenwriter: Screenwriter = app_container(request).screenwriter()
    return screenwriter


def _job_queue(request: Request) -> JobQueue | None:
    # With jobs.queue: celery, job routes send actions to the workers; one queue (a Celery
    # app holding broker connections) per application, made on first use.
    settings = _settings(request)
    if settings.jobs.queue != "celery":
        return None
    queue: JobQueue | None = getattr(request.app.state, "storyreel_job_queue", None)
    if queue is None:
        # The first requests after a start arrive together, in the thread pool: Celery's
        # package does not survive being imported by several threads at once, and one
        # queue is all an application needs.
        with _QUEUE_LOCK:
            queue = getattr(request.app.state, "storyreel_job_queue", None)
            if queue is None:
                queue = JobQueue.from_settings(settings)
                request.app.state.storyreel_job_queue = queue
    return queue


_QUEUE_LOCK = threading.Lock()


AppSettings = Annotated[Settings, Depends(_settings)]
AppJobRunner = Annotated[JobRunner, Depends(_job_runner)]
AppFilmingRunner = Annotated[JobRunner, Depends(_filming_runner)]
AppJobTasks = Annotated[JobTasks, Depends(_job_tasks)]
AppJobStore = Annotated[Callable[[], JobStore], Depends(_job_store)]
AppMediaService = Annotated[MediaService, Depends(_media_service)]
AppLimiter = Annotated[Limiter, Depends(_limiter)]
AppScreenwriter = Annotated[Screenwriter, Depends(_screenwriter)]
AppJobQueue = Annotated[JobQueue | None, Depends(_job_queue)]
