"""Changes made by other processes sharing a PostgreSQL job store, heard as they commit.

Every write of :class:`~storyreel.jobs.postgres.PostgresJobStore` that a watcher would see
sends a notification naming the job (PostgreSQL delivers it only if the write commits). A
:class:`ChangeListener` rings this process's bell for each, so that the API's event streams
show a step a worker on another machine recorded at once, not at their next look.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from storyreel.databases import without_password
from storyreel.db_schema import storyreel_connection
from storyreel.jobs.changes import ChangeBell

CHANNEL: Final = "storyreel_jobs"
# How often the listening thread looks up from its wait to see whether it should stop.
_WAKE_S: Final = 0.5
# How long it waits before reconnecting after losing the server.
_RETRY_S: Final = 2.0

logger = logging.getLogger(__name__)


class ChangeListener:
    """A thread listening on the database at ``url`` and ringing ``bell`` for each job a
    notification names. Started by :meth:`start` (the first watcher), stopped by
    :meth:`stop`; it reconnects by itself when the server goes away."""

    def __init__(self, url: str, bell: ChangeBell) -> None:
        self._url = url
        self._bell = bell
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start listening, unless already listening; returns at once."""
        with self._lock:
            if self._thread is not None:
                return
            self._stopping.clear()
            self._thread = threading.Thread(
                target=self._listen, name="storyreel-job-changes", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop listening (within about half a second); :meth:`start` may follow."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stopping.set()
        if thread is not None:
            thread.join(timeout=10)

    def _listen(self) -> None:
        while not self._stopping.is_set():
            try:
                with storyreel_connection(self._url, what="the job store") as db:
                    db.execute(f"LISTEN {CHANNEL}")
                    while not self._stopping.is_set():
                        for note in db.notifies(timeout=_WAKE_S):
                            self._bell.ring(note.payload)
            except Exception as exc:  # the server went away: watchers fall back to looking
                logger.warning(
                    "not hearing job changes from %s for now: %s",
                    without_password(self._url),
                    " ".join(str(exc).split()),
                )
                self._stopping.wait(_RETRY_S)


__all__ = ["CHANNEL", "ChangeListener"]
