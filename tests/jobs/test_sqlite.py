"""SqliteJobStore itself: transactions, WAL, sharing its file across processes, and an
output folder it cannot use. The contract every store keeps is in test_store."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyreel.errors import ConfigError
from storyreel.jobs.models import JobStatus
from storyreel.jobs.sqlite import SqliteJobStore

from .test_store import clip, new_job

__all__ = ["clip", "new_job"]


@pytest.fixture
def store(tmp_output: Path) -> Iterator[SqliteJobStore]:
    opened = SqliteJobStore.in_output_dir(tmp_output)
    yield opened
    opened.close()


def test_store_write_transaction_rolls_back_on_error(store: SqliteJobStore) -> None:
    store.create(new_job())

    def crash_midway() -> None:
        with store._write() as db:
            db.execute("UPDATE jobs SET status = 'failed' WHERE id = 'job-1'")
            raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        crash_midway()

    assert store.get("job-1").status is JobStatus.QUEUED


def test_store_uses_wal_and_is_shared_by_threads(store: SqliteJobStore) -> None:
    store.create(new_job(), [clip(i) for i in range(1, 21)])
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for n in range(1, 11):
                store.save_step("job-1", clip(index, attempts=n, submissions=n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [s.submissions for s in store.steps("job-1")] == [10] * 20
    with sqlite3.connect(store.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def _write_from_process(path: str, index: int) -> None:
    other = SqliteJobStore(path)
    for n in range(1, 21):
        other.save_step("job-1", clip(index, attempts=n))
        other.update("job-1", reasons=[f"writer {index} at {n}"])
    other.close()


def test_store_is_shared_by_processes(store: SqliteJobStore) -> None:
    store.create(new_job(), [clip(1), clip(2), clip(3)])
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_write_from_process, args=(str(store.path), i)) for i in (1, 2, 3)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=60)

    assert [p.exitcode for p in processes] == [0, 0, 0]
    assert [s.attempts for s in store.steps("job-1")] == [20, 20, 20]
    assert store.get("job-1").reasons[0].endswith("at 20")


def test_store_in_unwritable_folder_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")

    with pytest.raises(ConfigError, match="cannot open the job store"):
        SqliteJobStore.in_output_dir(blocker / "out")


@pytest.mark.parametrize("below", ["", "out"])
def test_sqlite_output_dir_that_is_a_file_is_named_as_such(tmp_path: Path, below: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")

    with pytest.raises(ConfigError) as raised:
        SqliteJobStore.in_output_dir(blocker / below if below else blocker)

    assert f"{blocker} is a file, not a folder" in str(raised.value)
    assert "File exists" not in str(raised.value)
