"""Background job tasks of one server process: start, track, cancel, and await at shutdown."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

logger = logging.getLogger(__name__)

# How long shutdown waits for cancelled tasks to unwind (record their state) before leaving.
SHUTDOWN_GRACE_S = 10.0


class JobTasks:
    """The asyncio tasks running jobs in this process, by job id.

    A job runs at most once at a time here. Cancelling a task stops its polling; the job
    layer leaves what was submitted recorded, so the job stays resumable.
    """

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[Any]] = {}

    def start(self, job_id: str, work: Callable[[], Awaitable[Any]]) -> bool:
        """Run ``work()`` as the task of ``job_id``; False (nothing started) if one runs."""
        if self.running(job_id):
            return False

        async def run() -> Any:
            return await work()

        task = asyncio.get_running_loop().create_task(run(), name=f"storyreel-job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda done: self._finished(job_id, done))
        return True

    def _finished(self, job_id: str, task: asyncio.Task[Any]) -> None:
        if self._tasks.get(job_id) is task:
            del self._tasks[job_id]
        if task.cancelled():
            logger.info("job %s: task cancelled; the job can be resumed", job_id)
            return
        error = task.exception()
        if error is not None:
            # The job layer records failures in the store; this is the server log's copy.
            logger.warning("job %s ended with %s: %s", job_id, type(error).__name__, error)

    def running(self, job_id: str) -> bool:
        """Whether this process is running ``job_id`` now."""
        task = self._tasks.get(job_id)
        return task is not None and not task.done()

    def running_ids(self) -> list[str]:
        """The ids of the jobs this process is running."""
        return [job_id for job_id, task in self._tasks.items() if not task.done()]

    async def wait(self, job_id: str, within_s: float | None = None) -> None:
        """Wait until the task of ``job_id`` ends (at most ``within_s`` seconds); no error if
        there is none, if it failed or if it was cancelled."""
        task = self._tasks.get(job_id)
        if task is None:
            return
        await asyncio.wait([task], timeout=within_s)

    async def shutdown(self, grace_s: float = SHUTDOWN_GRACE_S) -> list[str]:
        """Cancel every task, wait (at most ``grace_s``) until they have unwound, and
        return the ids of the jobs that were interrupted."""
        running = {job_id: task for job_id, task in self._tasks.items() if not task.done()}
        for task in running.values():
            task.cancel()
        if running:
            _, pending = await asyncio.wait(running.values(), timeout=grace_s)
            for task in pending:
                logger.warning("%s did not stop within %.0f s", task.get_name(), grace_s)
        self._tasks.clear()
        return list(running)


__all__ = ["SHUTDOWN_GRACE_S", "JobTasks"]
