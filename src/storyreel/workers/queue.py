"""Sending actions to the workers through the broker."""

from __future__ import annotations

import logging
from typing import Any

from storyreel.databases import without_password
from storyreel.settings import Settings
from storyreel.workers.actions import JobAction
from storyreel.workers.broker import BrokerUnavailable, broker_trouble, broker_url

logger = logging.getLogger(__name__)

# The one task storyreel's workers run; a host app registering it keeps the name.
TASK_NAME = "storyreel.perform_job_action"


class JobQueue:
    """Sends :class:`JobAction` s to storyreel's task through ``celery_app`` (whose broker is
    ``jobs.broker_url``); one per process that queues jobs (a server, a command, a worker's
    rescan)."""

    def __init__(self, celery_app: Any, url: str) -> None:
        self._app = celery_app
        self._url = url

    @classmethod
    def from_settings(cls, settings: Settings) -> JobQueue:
        """A queue on a Celery app of its own, built from ``settings``."""
        from storyreel.workers.celery_app import create_celery_app

        return cls(create_celery_app(settings), broker_url(settings))

    @property
    def url(self) -> str:
        """The broker's URL as it may be shown (no password)."""
        return without_password(self._url)

    def enqueue(self, action: JobAction, *, countdown: float | None = None) -> None:
        """Publish ``action`` (to run ``countdown`` seconds from now, when given);
        :class:`BrokerUnavailable` when the broker cannot take it (after one quick retry:
        the caller answers, it does not wait for the broker)."""
        try:
            self._app.send_task(
                TASK_NAME,
                args=[action.payload()],
                countdown=countdown,
                retry=True,
                retry_policy={
                    "max_retries": 1,
                    "interval_start": 0,
                    "interval_step": 0.2,
                    "interval_max": 0.2,
                },
            )
        except Exception as exc:
            # kombu wraps every broker failure (refused, timed out, wrong password) in an
            # OperationalError; whatever it is, the job stays queued and resumable.
            raise BrokerUnavailable(broker_trouble(self._url, exc)) from None
        later = f" to run in {countdown:g} s" if countdown else ""
        logger.info("queued the %s%s", action.describe(), later)

    def close(self) -> None:
        """Release the broker connections of the app (it may be used again after)."""
        self._app.close()


__all__ = ["TASK_NAME", "BrokerUnavailable", "JobQueue", "broker_url"]
