"""storyreel's task on a Celery app: a ``storyreel worker``'s own, or a host application's."""

from __future__ import annotations

from typing import Any

from storyreel.workers.queue import TASK_NAME
from storyreel.workers.runtime import ContainerSource, WorkerRuntime


def register_tasks(celery_app: Any, container: ContainerSource) -> WorkerRuntime:
    """Register storyreel's task on ``celery_app`` (a host's own app will do), running jobs
    with ``container``'s job runner, and start the lease rescans when a worker of that app is
    ready. ``container`` may be a function that builds it: it is then called once, in the
    worker process, when the first job or rescan needs it. The app's broker must be
    ``jobs.broker_url`` of the container's settings (the one servers and commands send to),
    and it should carry :func:`storyreel.workers.celery_settings` (acks late, prefetch 1, a
    long visibility timeout). Run the worker with the ``threads`` pool (or ``solo``)."""
    from celery import signals

    runtime = WorkerRuntime(container, celery_app)

    @celery_app.task(name=TASK_NAME, ignore_result=True)  # type: ignore[untyped-decorator]
    def perform_job_action(payload: dict[str, Any]) -> dict[str, Any]:
        return runtime.perform_payload(payload)

    def ready(sender: Any = None, **_: Any) -> None:
        if getattr(sender, "app", None) is celery_app:
            runtime.start_rescans()

    def shutting_down(**_: Any) -> None:
        runtime.stop()

    signals.worker_ready.connect(ready, weak=False)
    signals.worker_shutting_down.connect(shutting_down, weak=False)
    return runtime


__all__ = ["register_tasks"]
