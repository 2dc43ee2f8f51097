"""Kite Studio's Celery worker: its own tasks, and storyreel's video jobs beside them.

A host that already runs Celery registers storyreel's task on its own app instead of running
`storyreel worker`. Its servers (`storyreel serve`, or storyreel's routes in its own FastAPI
app) and `storyreel make --queue` send jobs to the same broker:

    export STORYREEL_JOBS__QUEUE=celery STORYREEL_JOBS__BROKER_URL=redis://localhost:6379/0
    export STORYREEL_JOBS__STORE_URL=postgresql://storyreel:PASSWORD@db/storyreel
    celery -A celery_host_app worker --pool threads --concurrency 4

The threads pool runs storyreel's jobs on one event loop per worker process, sharing one
set of clients; with ``--pool prefork`` each child would need its own.
"""

from __future__ import annotations

from celery import Celery

from storyreel.containers import Container, create_container
from storyreel.settings import load_settings
from storyreel.workers import celery_settings, register_tasks


def build_container() -> Container:
    """storyreel's container from config.yml and the environment, as every storyreel command
    builds it; called once, in the worker process, when the first job needs it."""
    return create_container()


def create_celery_app() -> Celery:
    """The host's Celery app: storyreel's settings for long, idempotent jobs (acks late,
    prefetch 1, a visibility timeout longer than any job), its own task, and storyreel's."""
    app = Celery("kite_studio", set_as_current=False)
    # Read the settings only (no client is built): the broker is jobs.broker_url.
    app.conf.update(celery_settings(load_settings()))
    register_tasks(app, build_container)

    @app.task(name="kite_studio.caption")
    def caption(title: str) -> str:
        """One of the host's own tasks, on the same workers."""
        return f"{title} — a Kite Studio short"

    return app


# `celery -A celery_host_app` looks for a module-level app.
app = create_celery_app()
