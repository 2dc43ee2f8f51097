"""The Celery application of storyreel's workers, and the settings that make its long jobs
safe to hand out: why each one is what it is, next to it."""

from __future__ import annotations

from typing import Any

from storyreel.settings import Settings
from storyreel.workers.broker import BROKER_TIMEOUT_S, broker_url

# A job can run for an hour or more (Veo clips take minutes each, and a shared quota may
# make them wait). Redis hands an unacknowledged message to another consumer only after
# this long, so it is far beyond any job: a redelivery while the job still runs would only
# find it claimed and exit, but it would be a task slot wasted for nothing. A worker that
# dies is not waited for this long: the lease rescan (storyreel.workers.rescan) gives its
# job to a live worker within jobs.lease_s, and the message redelivered a day later finds
# the job finished and exits.
VISIBILITY_TIMEOUT_S = 24 * 3600


def celery_settings(settings: Settings) -> dict[str, Any]:
    """The Celery configuration storyreel's task relies on; a host app that registers the
    task (:func:`storyreel.workers.register_tasks`) applies it with ``app.conf.update``."""
    url = broker_url(settings)
    return {
        "broker_url": url,
        # Acknowledge a job's message only once the job is done: a worker that dies
        # (SIGKILL, OOM, a lost machine) mid-job leaves its message unacknowledged, so the
        # broker still has it. Safe because every task is idempotent by construction: it
        # claims the job in the store (compare-and-set on the job's fence), so a copy
        # delivered again finds the job claimed or finished and exits without a paid call.
        "task_acks_late": True,
        # A pool child killed mid-task (prefork) puts its message back instead of
        # acknowledging it: the same reasoning, for host apps on the prefork pool.
        "task_reject_on_worker_lost": True,
        # A job is minutes of waiting on Veo: a worker reserves only the jobs it runs, so
        # that jobs queued behind a busy worker go to an idle one instead of waiting.
        "worker_prefetch_multiplier": 1,
        "broker_transport_options": {
            "visibility_timeout": VISIBILITY_TIMEOUT_S,
            "socket_connect_timeout": BROKER_TIMEOUT_S,
        },
        "broker_connection_timeout": BROKER_TIMEOUT_S,
        # A worker whose broker is down at start-up says so and exits (the start-up check
        # names the URL); later outages are retried as usual.
        "broker_connection_retry_on_startup": False,
        # Results live in the job store (the manifest); Celery keeps none.
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        # storyreel's logging (with its redaction filter) stays in charge of the root logger.
        "worker_hijack_root_logger": False,
        "worker_redirect_stdouts": False,
    }


def create_celery_app(settings: Settings, *, name: str = "storyreel") -> Any:
    """A Celery application on ``jobs.broker_url``, configured by :func:`celery_settings`.
    It has no task yet: :func:`storyreel.workers.register_tasks` adds storyreel's (a server
    or a command only sends to it, by name)."""
    from celery import Celery

    app = Celery(name, set_as_current=False)
    app.conf.update(celery_settings(settings))
    return app


__all__ = ["VISIBILITY_TIMEOUT_S", "celery_settings", "create_celery_app"]
