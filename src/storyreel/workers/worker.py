"""``storyreel worker``'s process: checked start-up, then a Celery worker until stopped."""

from __future__ import annotations

import logging
import socket
from typing import TYPE_CHECKING

from storyreel.databases import without_password
from storyreel.workers.broker import broker_url, check_broker
from storyreel.workers.celery_app import create_celery_app
from storyreel.workers.registration import register_tasks

if TYPE_CHECKING:
    from storyreel.containers import Container

logger = logging.getLogger(__name__)


def check_services(container: Container) -> None:
    """Refuse to start, with one line naming the server without its password, when the
    broker cannot be reached or refuses the login (:class:`BrokerUnavailable`) or the job
    store cannot be opened (``DatabaseUnavailable``, ``StoreError``): a worker that started
    anyway would retry forever, its jobs waiting without a word. Also refuse an output
    folder other machines do not reach (:func:`storyreel.jobs.placement.check_placement`)."""
    from storyreel.jobs.placement import check_placement

    check_placement(container.config())
    check_broker(broker_url(container.config()))
    container.job_store().check()


def run_worker(container: Container, *, concurrency: int | None = None) -> int:
    """Check the broker and the job store, then run a Celery worker (threads pool,
    ``concurrency`` jobs at once, ``jobs.worker_concurrency`` by default) whose tasks use
    ``container``; its exit status once it has stopped (SIGTERM or Ctrl-C: running jobs are
    interrupted after their paid submits' grace and go back to the queue)."""
    settings = container.config()
    check_services(container)
    app = create_celery_app(settings)
    runtime = register_tasks(app, container)
    threads = concurrency or settings.jobs.worker_concurrency
    runtime.warm_up()
    _log_like_storyreel(settings.log_level)
    worker = app.Worker(
        hostname=f"storyreel-{runtime.owner.split(':')[1]}@{socket.gethostname()}",
        pool="threads",
        concurrency=threads,
        loglevel=settings.log_level,
        quiet=True,
        without_mingle=True,
        without_gossip=True,
    )
    shown = without_password(broker_url(settings))
    logger.info("worker %s: %d job(s) at once, broker %s", runtime.owner, threads, shown)
    try:
        worker.start()
    finally:
        runtime.close()
    return int(worker.exitcode or 0)


def _log_like_storyreel(level: str) -> None:
    """Celery's log lines through storyreel's handler (with its redaction filter), instead
    of a root handler of Celery's own that would print every line twice."""
    from celery import signals

    from storyreel.logs import configure_logging

    def setup(**_: object) -> None:
        handler = configure_logging(level)
        celery_logger = logging.getLogger("celery")
        celery_logger.addHandler(handler)
        celery_logger.setLevel(level)
        celery_logger.propagate = False

    # With a receiver of setup_logging, Celery leaves the logging configuration alone.
    signals.setup_logging.connect(setup, weak=False)


__all__ = ["check_services", "run_worker"]
