"""Connections of the PostgreSQL job store, and what its failures tell the user.

A few connections are kept open and lent to one call at a time, whichever thread makes it:
a store shared by a server's threads or a worker's tasks holds a handful of connections
rather than one per thread that ever used it. psycopg is imported with the first
connection, never with this module.

The connections share one fate: a server restart, a failover or a proxy dropping idle
sessions ends all of them at once, and each one only finds out when it is next used. So
when one turns out to be dead, the pool drops every idle one with it (a *generation* of
connections), and the call that failed, when it may run again, runs on a new connection.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from storyreel.databases import postgres_trouble, without_password
from storyreel.db_schema import storyreel_connection
from storyreel.jobs.store import StoreError, StoreUnavailable

if TYPE_CHECKING:
    import psycopg

F = TypeVar("F", bound=Callable[..., Any])

# A connection idle for longer than this is pinged (one round trip) before it is lent again:
# a quiet spell is when a server restarts or a proxy drops sessions, and the ping finds
# that out before a statement is sent. A busy store reuses its connections well within it.
PING_AFTER_IDLE_S = 5.0


class ConnectionPool:
    """Up to ``keep`` idle connections to ``url``, made on demand; a connection that broke
    or was left inside a transaction is closed instead of being lent again, and when one
    broke, so are all those idle beside it."""

    def __init__(self, url: str, *, what: str, keep: int = 8) -> None:
        self._url = url
        self._what = what
        self._keep = keep
        self._lock = threading.Lock()
        # (connection, when it came back, its generation), the most recent last.
        self._idle: list[tuple[psycopg.Connection[Any], float, int]] = []
        self._generation = 0

    @contextmanager
    def connection(self, *, checked: bool = False) -> Iterator[psycopg.Connection[Any]]:
        """A connection (autocommit, rows as tuples) for the length of one call. With
        ``checked``, one taken from the pool is pinged first however briefly it was idle
        (for calls that may not run twice: nothing reaches a dead connection)."""
        db, generation = self._lend(checked=checked)
        try:
            yield db
        except BaseException:
            if db.closed:
                # The server ended this connection: the idle ones went with it.
                self._drop_generation(generation)
            raise
        finally:
            self._give_back(db, generation)

    def _lend(self, *, checked: bool) -> tuple[psycopg.Connection[Any], int]:
        while True:
            with self._lock:
                generation = self._generation
                if not self._idle:
                    break
                db, since, generation = self._idle.pop()
            quiet = time.monotonic() - since > PING_AFTER_IDLE_S
            if not (checked or quiet) or _answers(db):
                return db, generation
            db.close()
            self._drop_generation(generation)
        return self._connect(), generation

    def _connect(self) -> psycopg.Connection[Any]:
        return storyreel_connection(self._url, what=self._what)

    def _drop_generation(self, generation: int) -> None:
        """Close the idle connections of ``generation`` (made before a connection of it was
        found dead), unless that was done already; connections made from now on are kept."""
        with self._lock:
            if generation != self._generation:
                return
            self._generation += 1
            idle, self._idle = self._idle, []
        for db, _, _ in idle:
            db.close()

    def _give_back(self, db: psycopg.Connection[Any], generation: int) -> None:
        from psycopg.pq import TransactionStatus

        reusable = not db.closed and db.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            current = generation == self._generation
            if reusable and current and len(self._idle) < self._keep:
                self._idle.append((db, time.monotonic(), generation))
                return
        db.close()

    def close(self) -> None:
        """Close the idle connections; those lent out are closed when they come back, and
        the pool makes new ones if it is used again."""
        with self._lock:
            self._generation += 1
            idle, self._idle = self._idle, []
        for db, _, _ in idle:
            db.close()


def _answers(db: psycopg.Connection[Any]) -> bool:
    """Whether the server still answers on ``db`` (a dead one is closed by the attempt)."""
    import psycopg

    if db.closed:
        return False
    try:
        db.execute("SELECT 1")
    except psycopg.Error:
        return False
    return True


def guarded(*, retry: bool) -> Callable[[F], F]:
    """Turn a psycopg failure of a store method into a one-line :class:`StoreError` naming
    the database without its password: :class:`StoreUnavailable` when the server could not
    be reached or ended the connection (a call may succeed once it is back).

    With ``retry``, a method whose connection failed runs once more, on a new connection
    when the old one was dead (the pool dropped its generation): only methods that come to
    the same thing when run twice ask for it. The others (``create``, ``claim``,
    ``salvage_step``) cannot tell whether a connection lost mid-call had committed their
    write, so they are not run again; they take a pinged connection instead (see
    :meth:`ConnectionPool.connection`), so that a server restart met while idle never
    fails them, and a failure within the call is left to the caller: a worker sends its
    action again later, and the claim's compare-and-set makes a claim that did commit
    harmless (the job is this worker's, and its lease rescan resumes it)."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def run(store: Any, /, *args: Any, **kwargs: Any) -> Any:
            import psycopg

            url: str = store._url
            for attempt in (1, 2):
                try:
                    return method(store, *args, **kwargs)
                except psycopg.OperationalError as exc:
                    if retry and attempt == 1:
                        continue
                    trouble = postgres_trouble(url, exc, what="the job store")
                    raise StoreUnavailable(trouble) from None
                except psycopg.Error as exc:
                    raise StoreError(store_trouble(url, exc)) from None
            raise AssertionError("unreachable")  # pragma: no cover

        return cast(F, run)

    return decorate


def store_trouble(url: str, exc: BaseException) -> str:
    """One line for a failed statement of the job store at ``url``, without the password."""
    detail = " ".join(str(exc).split()) or type(exc).__name__
    secret = urlsplit(url).password
    if secret:
        detail = detail.replace(secret, "***")
    return f"the job store at {without_password(url)} failed: {detail}"
