"""The job store as the container provides it: one per output folder, and a read-only listing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from storyreel.jobs.changes import SignallingJobStore
from storyreel.jobs.models import JobRecord
from storyreel.jobs.sqlite import SqliteJobStore, default_store_path


def job_listing(output_dir: Path) -> list[JobRecord]:
    """The jobs of ``output_dir``, read only, so that a folder this process cannot write can
    still be listed; none when it holds no store."""
    path = default_store_path(output_dir)
    if not path.is_file():
        return []
    store = SqliteJobStore(path, read_only=True)
    try:
        return store.list_jobs()
    finally:
        store.close()


def job_store_resource(output_dir: Path) -> Iterator[SqliteJobStore]:
    """Container resource: the store of ``output_dir``, closed on shutdown; its writes ring
    its ``changes`` bell for the API's event streams."""
    store = SignallingJobStore.in_output_dir(output_dir)
    try:
        yield store
    finally:
        store.close()
