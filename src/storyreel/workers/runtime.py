"""A worker process's runtime, and storyreel's task registered on a Celery app.

Pool: Celery's ``threads`` pool, ``--concurrency N`` threads. Each task thread hands its
job's coroutine to the process's one asyncio event loop (a thread of its own) and waits for
it. Jobs are asyncio code that spends minutes waiting on Veo, so N jobs share that loop,
one container (built once per process: SDK clients with their connection pools, the job
store, the rate limiter) and one set of open connections. Prefork would build all of that
once per child, for work that needs no CPU, and SQLite connections and SDK clients do not
survive a fork; gevent/eventlet would monkey-patch code written for asyncio; ``solo`` runs
one job at a time.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from dependency_injector import containers

from storyreel.containers import Container, aclose_container
from storyreel.errors import StoryreelError
from storyreel.jobs.models import this_process
from storyreel.jobs.store import STORE_UNREACHABLE
from storyreel.workers.actions import JobAction
from storyreel.workers.broker import BrokerUnavailable, broker_url
from storyreel.workers.perform import perform
from storyreel.workers.queue import JobQueue
from storyreel.workers.rescan import WORKER_ROLE, rescan_every_s, safe_rescan

logger = logging.getLogger(__name__)

# A container, or a function that builds one (called once, on first use).
ContainerSource = Container | Callable[[], Container]

# How long an action that could not reach the job store waits before it is tried again.
STORE_RETRY_S = 10.0


class WorkerRuntime:
    """The event loop, the container and the lease rescans of one worker process."""

    def __init__(self, container: ContainerSource, celery_app: Any) -> None:
        self._source = container
        self._built: Container | None = None
        self._celery_app = celery_app
        self.owner = this_process(WORKER_ROLE)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_pid = 0
        self._futures: set[concurrent.futures.Future[Any]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()  # touched in the loop's thread only
        self._active: dict[str, int] = {}  # job id: actions on it running here
        self._stopping = threading.Event()
        self._rescans: threading.Thread | None = None

    @property
    def _container(self) -> Container:
        """The container, built on first use when the runtime was given a factory (so that
        a host's worker module builds nothing when it is imported)."""
        with self._lock:
            if self._built is None:
                source = self._source
                # create_container() gives a DynamicContainer, not a Container instance.
                if isinstance(source, containers.Container):
                    self._built = source
                else:
                    self._built = source()
            return self._built

    @property
    def _lease_s(self) -> float:
        lease_s: float = self._container.config().jobs.lease_s
        return lease_s

    @property
    def _grace_s(self) -> float:
        grace_s: float = self._container.config().jobs.stop_grace_s
        return grace_s + 5

    def _send(self, action: JobAction, *, countdown: float | None = None) -> None:
        url = broker_url(self._container.config())
        JobQueue(self._celery_app, url).enqueue(action, countdown=countdown)

    def loop(self) -> asyncio.AbstractEventLoop:
        """This process's event loop for jobs, started on first use (again after a fork)."""
        with self._lock:
            if self._loop is None or self._loop_pid != os.getpid():
                loop = asyncio.new_event_loop()
                threading.Thread(
                    target=loop.run_forever, name="storyreel-jobs-loop", daemon=True
                ).start()
                self._loop, self._loop_pid = loop, os.getpid()
            return self._loop

    def submit(self, action: JobAction) -> concurrent.futures.Future[dict[str, Any]]:
        """Start ``action`` on the loop; its future, tracked until it ends."""
        future = asyncio.run_coroutine_threadsafe(self._perform(action), self.loop())
        with self._lock:
            self._futures.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._futures.discard(future)

    def perform_payload(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The task's body: perform the action and wait for it; what became of it."""
        action = JobAction.from_payload(payload)
        if self._stopping.is_set():
            from celery.exceptions import Reject

            raise Reject(f"{action.describe()}: this worker is stopping", requeue=True)
        try:
            return self.submit(action).result()
        except concurrent.futures.CancelledError:
            # Stopped with the worker: the job is back in the queue, and the rescans of the
            # other workers resume it once this process is gone.
            logger.info("%s: interrupted by the worker's shutdown", action.describe())
            return {"outcome": "interrupted"}
        except STORE_UNREACHABLE as exc:
            return self._later(action, exc)
        except StoryreelError as exc:
            # The job layer has recorded what went wrong; this is the worker log's copy.
            logger.warning("%s failed: %s", action.describe(), exc)
            return {"outcome": "failed", "error": str(exc)}

    def _later(self, action: JobAction, exc: StoryreelError) -> dict[str, Any]:
        """Send ``action`` again, to be tried once the job store is back (a restart, a
        failover): its message is acknowledged when this task returns, and a job left
        queued with no message naming it would wait for ever. A copy that finds the job
        claimed or finished by then does nothing (:func:`perform`)."""
        logger.warning("%s: %s; trying again in %g s", action.describe(), exc, STORE_RETRY_S)
        try:
            self._send(action, countdown=STORE_RETRY_S)
        except BrokerUnavailable as down:
            from celery.exceptions import Reject

            raise Reject(f"{action.describe()}: {down}", requeue=True) from None
        return {"outcome": "deferred", "error": str(exc)}

    async def _perform(self, action: JobAction) -> dict[str, Any]:
        me = asyncio.current_task()
        if me is not None:
            self._tasks.add(me)
            me.add_done_callback(self._tasks.discard)
        runner = self._container.job_runner(owner=self.owner)
        reels = self._container.reel_jobs(owner=self.owner)
        with self._lock:
            self._active[action.job_id] = self._active.get(action.job_id, 0) + 1
        try:
            done = await perform(action, runner, reels, owner=self.owner, lease_s=self._lease_s)
        finally:
            with self._lock:
                self._active[action.job_id] -= 1
                if not self._active[action.job_id]:
                    del self._active[action.job_id]
        return {"outcome": done.outcome.value, "status": done.status}

    def warm_up(self) -> None:
        """Build the clients (and reach the emulator, offline) on the jobs' loop before the
        first job, as a server does at start-up: their imports take the loop for a moment,
        which a running job's lease renewals must not wait for."""
        settings = self._container.config()

        def build() -> None:
            self._container.endpoints()
            if not settings.missing_credentials("openrouter"):
                self._container.async_openai_client()
            if not settings.missing_credentials("google"):
                self._container.genai_client()

        async def on_loop() -> None:
            build()

        asyncio.run_coroutine_threadsafe(on_loop(), self.loop()).result()

    def rescan(self) -> list[str]:
        """Requeue the jobs whose owner is gone (see :mod:`storyreel.workers.rescan`)."""
        with self._lock:
            active = set(self._active)
        return safe_rescan(
            self._container.job_store(),
            self._send,
            self.submit,
            owner=self.owner,
            active=active,
            lease_s=self._lease_s,
            resend_after_s=self._container.config().jobs.resend_after_s,
        )

    def start_rescans(self) -> None:
        """Rescan now and then every half lease, in a thread, until :meth:`stop`."""
        if self._rescans is not None:
            return
        every_s = rescan_every_s(self._lease_s)

        def rescans() -> None:
            while not self._stopping.is_set():
                self.rescan()
                self._stopping.wait(every_s)

        self._rescans = threading.Thread(target=rescans, name="storyreel-rescans", daemon=True)
        self._rescans.start()

    def stop(self) -> None:
        """Stop rescanning and taking actions; interrupt the running jobs (each gives its
        paid submits their grace, then goes back to the queue). Does not wait."""
        self._stopping.set()
        with self._lock:
            loop = self._loop
        if loop is not None and not loop.is_closed():
            # Cancelled in the loop, so that each future ends only once its job has unwound.
            loop.call_soon_threadsafe(self._cancel_jobs)

    def _cancel_jobs(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def close(self) -> None:
        """After the worker has stopped: wait for interrupted jobs to unwind, close the
        container's clients on the loop that opened them, and stop the loop."""
        self.stop()
        with self._lock:
            running, loop = list(self._futures), self._loop
        with self._lock:
            built = self._built
        if built is None:
            return
        concurrent.futures.wait(running, timeout=self._grace_s)
        if loop is None or loop.is_closed():
            return
        closing = asyncio.run_coroutine_threadsafe(aclose_container(built), loop)
        try:
            closing.result(timeout=self._grace_s)
        except Exception as exc:
            logger.warning("closing the worker's clients: %s", exc)
        loop.call_soon_threadsafe(loop.stop)


__all__ = ["ContainerSource", "WorkerRuntime"]
