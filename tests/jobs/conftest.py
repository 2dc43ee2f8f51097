"""Fixtures of the job tests: a store on each backend, fakes, and a runner of them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storyreel.db_schema import upgrade
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.postgres import PostgresJobStore
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings, load_settings

from .fakes import FakeMedia, FakeWriter

StoreOpener = Callable[[], JobStore]


def job_settings(output_dir: Path, **video: Any) -> Settings:
    # Text-to-video unless a test asks for keyframes: most job tests are about the clips.
    video.setdefault("keyframes", False)
    return load_settings(
        {"backend": "offline", "output_dir": str(output_dir), "video": video},
        config_file=None,
        env={},
        dotenv=None,
    )


@pytest.fixture
def settings(tmp_output: Path) -> Settings:
    return job_settings(tmp_output, concurrency=4)


@pytest.fixture(params=["sqlite", "postgresql"])
def open_store(request: pytest.FixtureRequest, tmp_output: Path) -> Iterator[StoreOpener]:
    """Opens a store on this test's backend (each backend in turn): the SQLite file of
    ``tmp_output``, or a fresh PostgreSQL database brought to the schema. Every call opens
    another store on the same jobs, as another process would; all are closed after."""
    if request.param == "postgresql":
        url: str = request.getfixturevalue("postgres_url")
        upgrade(url)

        def build() -> JobStore:
            return PostgresJobStore(url)
    else:

        def build() -> JobStore:
            return SqliteJobStore.in_output_dir(tmp_output)

    opened: list[JobStore] = []

    def open_one() -> JobStore:
        opened.append(build())
        return opened[-1]

    yield open_one
    for each in opened:
        each.close()


@pytest.fixture
def store(open_store: StoreOpener) -> JobStore:
    """The job store of one test, on each backend in turn."""
    return open_store()


@pytest.fixture
def media() -> FakeMedia:
    return FakeMedia()


@pytest.fixture
def writer() -> FakeWriter:
    return FakeWriter()


def make_runner(
    store: JobStore, writer: FakeWriter, media: FakeMedia, settings: Settings, **kw: Any
) -> JobRunner:
    return JobRunner(
        store, writer, Cinematographer(media, settings), settings, watch_interval_s=0.02, **kw
    )


@pytest.fixture
def runner(store: JobStore, writer: FakeWriter, media: FakeMedia, settings: Settings) -> JobRunner:
    return make_runner(store, writer, media, settings)
