"""The job store a configuration names: PostgreSQL at ``jobs.store_url`` when set, else the
SQLite file in ``output_dir``; and the read-only listing of its jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storyreel.jobs.changes import SignallingJobStore
from storyreel.jobs.models import JobRecord
from storyreel.jobs.sqlite import SqliteJobStore, default_store_path
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings


def store_url(settings: Settings) -> str | None:
    """The PostgreSQL URL of the job store (with its password), or None for SQLite."""
    url = settings.jobs.store_url
    return url.get_secret_value() if url is not None else None


def open_job_store(settings: Settings) -> JobStore:
    """The job store of ``settings``, opened for reading and writing; the caller closes it.
    PostgreSQL is imported only when the configuration names a database."""
    url = store_url(settings)
    if url is None:
        return SqliteJobStore.in_output_dir(settings.output_dir)
    from storyreel.jobs.postgres import PostgresJobStore

    return PostgresJobStore(url)


def job_listing(settings: Settings) -> list[JobRecord]:
    """The jobs of the configuration's store, newest first. The SQLite file is read only, so
    that a folder this process cannot write can still be listed; none when it holds no store."""
    if store_url(settings) is None:
        return _folder_listing(settings.output_dir)
    store = open_job_store(settings)
    try:
        return store.list_jobs()
    finally:
        store.close()


def _folder_listing(output_dir: Path) -> list[JobRecord]:
    path = default_store_path(output_dir)
    if not path.is_file():
        return []
    store = SqliteJobStore(path, read_only=True)
    try:
        return store.list_jobs()
    finally:
        store.close()


def job_store_resource(settings: Settings) -> Iterator[SignallingJobStore]:
    """Container resource: the configuration's store, closed on shutdown; its writes ring
    its ``changes`` bell for the API's event streams, and so do other processes' writes to
    a PostgreSQL store once the bell has a listener."""
    store = SignallingJobStore(open_job_store(settings))
    url = store_url(settings)
    listener = None
    if url is not None:
        from storyreel.jobs.pg_changes import ChangeListener

        listener = ChangeListener(url, store.changes)
        store.changes.when_listened(listener.start)
    try:
        yield store
    finally:
        if listener is not None:
            listener.stop()
        store.close()
