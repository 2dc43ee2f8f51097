"""Running jobs in Celery workers, past one machine: the action a task carries, the task
itself (idempotent by construction), the Celery app, and sending actions to it.

A server or a command queues a job (status ``queued``) and sends a :class:`JobAction`
naming it through :class:`JobQueue`; any ``storyreel worker`` (or a host's own Celery worker
with :func:`register_tasks`) claims it in the job store and runs it.
"""

from __future__ import annotations

from storyreel.workers.actions import JobAction, execute
from storyreel.workers.broker import BrokerUnavailable, check_broker
from storyreel.workers.celery_app import celery_settings, create_celery_app
from storyreel.workers.perform import Outcome, Performed, perform
from storyreel.workers.queue import TASK_NAME, JobQueue
from storyreel.workers.registration import register_tasks
from storyreel.workers.runtime import WorkerRuntime

__all__ = [
    "TASK_NAME",
    "BrokerUnavailable",
    "JobAction",
    "JobQueue",
    "Outcome",
    "Performed",
    "WorkerRuntime",
    "celery_settings",
    "check_broker",
    "create_celery_app",
    "execute",
    "perform",
    "register_tasks",
]
