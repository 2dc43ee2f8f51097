"""What a job's event stream sends: one watcher per job and application, shared by every client.

The watcher reads the job from the store when the store's bell rings (a write in this
process) and at least every ``poll_s`` (writes by other processes sharing the store), and
turns what changed into events. It keeps only the newest event of each thing (the job, each
step, the end), so its memory is bounded by the job's size, and a client keeps only the id of
the last event it was sent.

Event ids are microseconds of the wall clock when the change was seen, made strictly
increasing: a client that reconnects to another watcher (after the last one stopped, or on
another server sharing the store) gets everything again, as that watcher saw all of it later.
Every event carries the whole state of what it describes, so a repeat is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from storyreel.jobs.changes import ChangeBell

logger = logging.getLogger(__name__)

# A job's own event; the steps' are "step:<key>".
JOB_KEY = "job"
END_KEY = "end"


@dataclass(frozen=True)
class Event:
    """One server-sent event: ``type`` is ``job``, ``step`` or ``end``; ``data`` one JSON line."""

    id: int
    type: str
    data: str

    def encode(self) -> bytes:
        return f"id: {self.id}\nevent: {self.type}\ndata: {self.data}\n\n".encode()


@dataclass(frozen=True)
class Reading:
    """What one look at the store found: for each thing (``JOB_KEY``, ``step:<key>``), a
    fingerprint that changes when it does, and how to render its event's JSON."""

    things: dict[str, tuple[object, Callable[[], str]]]
    final: Callable[[], str] | None


class JobFeed:
    """The events of one job, read from the store, for any number of clients."""

    def __init__(
        self, job_id: str, read: Callable[[], Reading], bell: ChangeBell | None, poll_s: float
    ) -> None:
        self.job_id = job_id
        self._read = read
        self._bell = bell
        self._poll_s = poll_s
        self._latest: dict[str, Event] = {}
        self._fingerprints: dict[str, object] = {}
        self._last_id = 0
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.clients = 0

    @property
    def ended(self) -> bool:
        return END_KEY in self._latest

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"storyreel-events-{self.job_id}"
        )

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def waiter(self) -> asyncio.Event:
        """An event set at the next change; take it before calling :meth:`after`."""
        return self._changed

    def wake(self) -> None:
        woken, self._changed = self._changed, asyncio.Event()
        woken.set()

    def after(self, cursor: int | None) -> list[Event]:
        """The events a client that was last sent ``cursor`` has not seen, in order. A new
        client (``None``, or an id this watcher cannot place) gets the whole state at once:
        the job first and every event under the newest id."""
        if not self._latest:
            return []
        if cursor is None or cursor > self._last_id:
            ordered = sorted(self._latest.values(), key=lambda event: event.id)
            job = [event for event in ordered if event.type == JOB_KEY]
            rest = [event for event in ordered if event.type != JOB_KEY]
            return [replace(event, id=self._last_id) for event in job + rest]
        fresh = [event for event in self._latest.values() if event.id > cursor]
        return sorted(fresh, key=lambda event: event.id)

    def _next_id(self) -> int:
        self._last_id = max(time.time_ns() // 1000, self._last_id + 1)
        return self._last_id

    def apply(self, reading: Reading) -> None:
        """Turn what changed since the last reading into events, and wake the clients."""
        changed = False
        things = list(reading.things.items())
        if self._latest:
            # After the first reading the job goes last: a step's news ("clip-02 succeeded")
            # comes before the job's that follows from it ("succeeded").
            things.sort(key=lambda item: item[0] == JOB_KEY)
        for key, (fingerprint, render) in things:
            if self._fingerprints.get(key, self) == fingerprint:
                continue
            self._fingerprints[key] = fingerprint
            kind = JOB_KEY if key == JOB_KEY else "step"
            self._latest[key] = Event(self._next_id(), kind, render())
            changed = True
        if reading.final is not None:
            self._latest[END_KEY] = Event(self._next_id(), END_KEY, reading.final())
            changed = True
        if changed:
            self.wake()

    async def _run(self) -> None:
        rung = self._bell.listen(self.job_id) if self._bell is not None else None
        try:
            while not self.ended:
                if rung is not None:
                    rung.clear()  # before reading: a write during the read rings again
                try:
                    reading = await asyncio.to_thread(self._read)
                except Exception as exc:  # the store may recover: look again at the next tick
                    logger.warning("job %s: cannot read its events: %s", self.job_id, exc)
                else:
                    self.apply(reading)
                if self.ended:
                    break
                if rung is None:
                    await asyncio.sleep(self._poll_s)
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(rung.wait(), self._poll_s)
        finally:
            if rung is not None and self._bell is not None:
                self._bell.forget(self.job_id, rung)


class JobFeeds:
    """The watchers of one application, by job: created by the first client of a job,
    stopped when its last client leaves."""

    def __init__(self, *, poll_s: float = 0.5, heartbeat_s: float = 15.0) -> None:
        self.poll_s = poll_s
        self.heartbeat_s = heartbeat_s
        self.closing = False
        self._feeds: dict[str, JobFeed] = {}

    def close(self) -> None:
        """End every stream now (the server is stopping): a server waits for open responses
        before it stops, and a stream would otherwise keep it waiting until the job ends.
        Clients reconnect (to the next server) and resume."""
        self.closing = True
        for feed in list(self._feeds.values()):
            feed.wake()

    def join(self, job_id: str, make: Callable[[], JobFeed]) -> JobFeed:
        feed = self._feeds.get(job_id)
        if feed is None or feed.ended:
            # An ended watcher stays with the clients it is closing; the job may since have
            # been resumed, so a new client gets a watcher of its own.
            feed = self._feeds[job_id] = make()
            feed.start()
        feed.clients += 1
        return feed

    def leave(self, feed: JobFeed) -> None:
        feed.clients -= 1
        if feed.clients > 0:
            return
        feed.stop()
        if self._feeds.get(feed.job_id) is feed:
            del self._feeds[feed.job_id]

    def __len__(self) -> int:
        return len(self._feeds)


__all__ = ["END_KEY", "JOB_KEY", "Event", "JobFeed", "JobFeeds", "Reading"]
