"""The job store a configuration names, as the container provides it: SQLite in the output
folder by default, PostgreSQL at ``jobs.store_url``, whose writes from any process ring the
bell of every process watching."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from storyreel.containers import close_container, create_container
from storyreel.db_schema import upgrade
from storyreel.errors import ConfigError
from storyreel.jobs.changes import SignallingJobStore
from storyreel.jobs.postgres import PostgresJobStore
from storyreel.jobs.sqlite import SqliteJobStore, default_store_path

from .test_store import new_job


def container_of(output: Path, **jobs: Any) -> Any:
    return create_container(
        env={}, dotenv=None, config_file=None, backend="offline", output_dir=str(output), jobs=jobs
    )


def test_stores_default_is_the_sqlite_file_of_the_output_folder(tmp_output: Path) -> None:
    container = container_of(tmp_output)
    try:
        store = container.job_store()
        assert isinstance(store, SignallingJobStore)
        assert isinstance(store.store, SqliteJobStore)
        assert store.store.path == default_store_path(tmp_output)
        assert container.job_listing() == []
        store.create(new_job())
        assert [job.id for job in container.job_listing()] == ["job-1"]
    finally:
        close_container(container)


async def rings_after(rung: asyncio.Event, update: Any, **changes: Any) -> bool:
    """Whether ``rung`` is set after one of a few updates of job-1, each given 0.1 s."""
    for _ in range(100):
        await asyncio.to_thread(update, "job-1", **changes)
        try:
            await asyncio.wait_for(rung.wait(), 0.1)
        except TimeoutError:
            continue
        return True
    return False


async def test_stores_store_url_is_one_database_for_every_container(
    tmp_path: Path, postgres_url: str
) -> None:
    upgrade(postgres_url)
    server = container_of(tmp_path / "server", store_url=postgres_url)
    worker = container_of(tmp_path / "worker", store_url=postgres_url)
    try:
        store = server.job_store()
        assert isinstance(store.store, PostgresJobStore)
        rung = store.changes.listen("job-1")
        await asyncio.to_thread(worker.job_store().create, new_job())
        # Written by the worker's store, the server's bell rings all the same, once its
        # first listener has had it start hearing the database.
        assert await rings_after(rung, worker.job_store().update, estimated_cost_usd=2.0)
        store.changes.forget("job-1", rung)

        assert [job.id for job in server.job_listing()] == ["job-1"]
        assert worker.job_store().get("job-1").estimated_cost_usd == 2.0
        assert not default_store_path(tmp_path / "server").exists()
    finally:
        close_container(server)
        close_container(worker)


def test_stores_database_not_upgraded_fails_when_the_store_is_first_used(
    tmp_output: Path, postgres_url: str
) -> None:
    container = container_of(tmp_output, store_url=postgres_url)
    try:
        with pytest.raises(ConfigError, match="storyreel db upgrade"):
            container.job_store()
    finally:
        close_container(container)
