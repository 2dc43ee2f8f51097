"""Connections of the PostgreSQL job store, and what its failures tell the user.

A few connections are kept open and lent to one call at a time, whichever thread makes it:
a store shared by a server's threads or a worker's tasks holds a handful of connections
rather than one per thread that ever used it. psycopg is imported with the first
connection, never with this module.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit

from storyreel.databases import postgres_trouble, without_password
from storyreel.db_schema import storyreel_connection
from storyreel.jobs.store import StoreError

if TYPE_CHECKING:
    import psycopg

F = TypeVar("F", bound=Callable[..., Any])


class ConnectionPool:
    """Up to ``keep`` idle connections to ``url``, made on demand; a connection that broke
    or was left inside a transaction is closed instead of being lent again."""

    def __init__(self, url: str, *, what: str, keep: int = 8) -> None:
        self._url = url
        self._what = what
        self._keep = keep
        self._lock = threading.Lock()
        self._idle: list[psycopg.Connection[Any]] = []

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A connection (autocommit, rows as tuples) for the length of one call."""
        with self._lock:
            db = self._idle.pop() if self._idle else None
        if db is None:
            db = self._connect()
        try:
            yield db
        finally:
            self._give_back(db)

    def _connect(self) -> psycopg.Connection[Any]:
        return storyreel_connection(self._url, what=self._what)

    def _give_back(self, db: psycopg.Connection[Any]) -> None:
        from psycopg.pq import TransactionStatus

        reusable = not db.closed and db.info.transaction_status == TransactionStatus.IDLE
        with self._lock:
            if reusable and len(self._idle) < self._keep:
                self._idle.append(db)
                return
        db.close()

    def close(self) -> None:
        """Close the idle connections; those lent out are closed when they come back, and
        the pool makes new ones if it is used again."""
        with self._lock:
            idle, self._idle = self._idle, []
        for db in idle:
            db.close()


def guarded(*, retry: bool) -> Callable[[F], F]:
    """Turn a psycopg failure of a store method into a one-line :class:`StoreError` naming
    the database without its password. With ``retry``, a method whose connection was lost
    (a server restart drops the idle ones) runs once more on a new connection: only methods
    that come to the same thing when run twice ask for it (not ``create`` nor ``claim``)."""

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
                    raise StoreError(postgres_trouble(url, exc, what="the job store")) from None
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
