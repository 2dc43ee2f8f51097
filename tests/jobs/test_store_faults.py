"""A job store that fails after start: damaged, full or locked. Each is a one-line error that
names the real problem, and a lock held for a while is waited out."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storyreel.errors import JobError
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.jobs.store import StoreError

from .test_sqlite import clip, new_job


def damaged_store(tmp_path: Path) -> Path:
    store = SqliteJobStore.in_output_dir(tmp_path)
    for n in range(40):  # several pages of rows
        store.create(new_job(f"job-{n}", idea="a storm " * 50), [clip(1)])
    with sqlite3.connect(store.path) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(store.path.read_bytes())
    page = 4096
    data[2 * page : 5 * page] = b"\xa5" * (3 * page)
    store.path.write_bytes(bytes(data))
    return store.path


def test_store_fault_damaged_page_is_one_line_naming_it(tmp_path: Path) -> None:
    path = damaged_store(tmp_path)

    def open_and_read() -> None:
        store = SqliteJobStore(path)
        store.list_jobs()
        store.check()

    with pytest.raises(StoreError) as caught:
        open_and_read()
    message = str(caught.value)
    assert "damaged" in message
    assert str(path) in message
    assert "\n" not in message
    assert "output_dir is writable" not in message
    assert caught.value.exit_code == 74


def test_store_fault_full_disk_says_so(tmp_path: Path) -> None:
    store = SqliteJobStore.in_output_dir(tmp_path)
    store.create(new_job())
    db = store._connection()
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages}")

    def fill() -> None:
        for n in range(200):
            store.create(new_job(f"big-{n}", idea="x" * 3000))

    with pytest.raises(StoreError, match="free space") as caught:
        fill()
    assert isinstance(caught.value, JobError)
    store.close()


@contextlib.contextmanager
def lock_held(path: Path, seconds: float) -> Iterator[None]:
    """Another connection holds the store's write lock for ``seconds`` from entry."""
    started = threading.Event()

    def hold() -> None:
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        db.execute("COMMIT")
        db.close()

    holder = threading.Thread(target=hold)
    holder.start()
    started.wait(5)
    try:
        yield
    finally:
        holder.join()


def small_store(tmp_path: Path, lock_wait_s: float) -> SqliteJobStore:
    store = SqliteJobStore(tmp_path / "s.sqlite3", busy_timeout_s=0.1, lock_wait_s=lock_wait_s)
    store.create(new_job(), [clip(1)])
    return store


def test_store_fault_lock_held_for_a_while_is_waited_out(tmp_path: Path) -> None:
    store = small_store(tmp_path, lock_wait_s=10)
    with lock_held(store.path, 0.8):
        store.save_step("job-1", clip(1, attempts=3))  # several busy timeouts pass meanwhile
    assert store.steps("job-1")[0].attempts == 3
    store.close()


def test_store_fault_lock_held_past_the_bound_is_a_store_error(tmp_path: Path) -> None:
    store = small_store(tmp_path, lock_wait_s=0.3)
    with lock_held(store.path, 1.5), pytest.raises(StoreError, match="locked by another process"):
        store.save_step("job-1", clip(1, attempts=3))
    assert store.steps("job-1")[0].attempts == 0
    store.close()
