"""Fixtures of the job tests: a store in a temporary folder, fakes, and a runner of them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.runner import JobRunner
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.settings import Settings, load_settings

from .fakes import FakeMedia, FakeWriter


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


@pytest.fixture
def store(tmp_output: Path) -> Iterator[SqliteJobStore]:
    opened = SqliteJobStore.in_output_dir(tmp_output)
    yield opened
    opened.close()


@pytest.fixture
def media() -> FakeMedia:
    return FakeMedia()


@pytest.fixture
def writer() -> FakeWriter:
    return FakeWriter()


def make_runner(
    store: SqliteJobStore, writer: FakeWriter, media: FakeMedia, settings: Settings, **kw: Any
) -> JobRunner:
    return JobRunner(
        store, writer, Cinematographer(media, settings), settings, watch_interval_s=0.02, **kw
    )


@pytest.fixture
def runner(
    store: SqliteJobStore, writer: FakeWriter, media: FakeMedia, settings: Settings
) -> JobRunner:
    return make_runner(store, writer, media, settings)
