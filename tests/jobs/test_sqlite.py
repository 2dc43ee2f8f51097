"""SqliteJobStore: what it records, transactions, and sharing across threads and processes."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

from storyreel.domain.story import Usage
from storyreel.errors import ConfigError, JobError
from storyreel.jobs.models import (
    JobInput,
    JobRecord,
    JobStatus,
    StepKind,
    StepRecord,
    StepStatus,
    clip_step_key,
)
from storyreel.jobs.sqlite import SqliteJobStore

from .fakes import make_story


def new_job(job_id: str = "job-1", idea: str = "a storm") -> JobRecord:
    return JobRecord(id=job_id, input=JobInput(idea=idea, segments=3), out_dir="/tmp/x")


def clip(index: int, **changes: object) -> StepRecord:
    return StepRecord(key=clip_step_key(index), kind=StepKind.CLIP, index=index).but(**changes)


def test_store_create_and_get_round_trip(store: SqliteJobStore) -> None:
    story = make_story(2)
    job = new_job().model_copy(update={"story": story, "usage": Usage(prompt_tokens=3)})
    store.create(job, [clip(1), clip(2, status=StepStatus.SUBMITTED, operation="op/2")])

    got = store.get("job-1")

    assert got == job
    assert got.idea == "a storm"
    assert [(s.key, s.status, s.operation) for s in store.steps("job-1")] == [
        ("clip-01", StepStatus.PENDING, None),
        ("clip-02", StepStatus.SUBMITTED, "op/2"),
    ]


def test_store_unknown_job_is_a_job_error(store: SqliteJobStore) -> None:
    with pytest.raises(JobError, match="no job 'nope'"):
        store.get("nope")
    with pytest.raises(JobError):
        store.update("nope", status=JobStatus.FAILED)
    with pytest.raises(JobError):
        store.save_step("nope", clip(1))


def test_store_duplicate_job_is_refused(store: SqliteJobStore) -> None:
    store.create(new_job())
    with pytest.raises(JobError, match="already exists"):
        store.create(new_job())


def test_store_update_changes_only_named_fields(store: SqliteJobStore) -> None:
    store.create(new_job())
    store.update("job-1", cancel_requested=True)

    job = store.update("job-1", status=JobStatus.PARTIAL, reasons=["clip-02: blocked"])

    assert job.cancel_requested is True
    assert store.get("job-1").status is JobStatus.PARTIAL
    assert store.get("job-1").reasons == ["clip-02: blocked"]
    assert store.get("job-1").cancel_requested is True


def test_store_update_refuses_fixed_fields(store: SqliteJobStore) -> None:
    store.create(new_job())
    with pytest.raises(ValueError, match="cannot be updated"):
        store.update("job-1", out_dir="/elsewhere")


def test_store_failed_update_leaves_the_row_unchanged(store: SqliteJobStore) -> None:
    store.create(new_job())
    with pytest.raises(ValueError, match="status"):
        store.update("job-1", status="exploded")

    assert store.get("job-1").status is JobStatus.QUEUED


def test_store_write_transaction_rolls_back_on_error(store: SqliteJobStore) -> None:
    store.create(new_job())

    def crash_midway() -> None:
        with store._write() as db:
            db.execute("UPDATE jobs SET status = 'failed' WHERE id = 'job-1'")
            raise RuntimeError("crash in the middle")

    with pytest.raises(RuntimeError):
        crash_midway()

    assert store.get("job-1").status is JobStatus.QUEUED


def test_store_save_step_replaces_and_add_steps_keeps(store: SqliteJobStore) -> None:
    store.create(new_job(), [clip(1)])
    store.save_step("job-1", clip(1, status=StepStatus.SUBMITTED, operation="op/1", submissions=1))

    store.add_steps("job-1", [clip(1), clip(2)])

    steps = {s.key: s for s in store.steps("job-1")}
    assert steps["clip-01"].operation == "op/1"
    assert steps["clip-01"].submissions == 1
    assert steps["clip-02"].status is StepStatus.PENDING


def test_store_steps_are_ordered_story_clips_thumbnail(store: SqliteJobStore) -> None:
    steps = [
        StepRecord(key="thumbnail", kind=StepKind.THUMBNAIL),
        clip(10),
        clip(2),
        StepRecord(key="story", kind=StepKind.STORY),
    ]
    store.create(new_job(), steps)

    assert [s.key for s in store.steps("job-1")] == ["story", "clip-02", "clip-10", "thumbnail"]


def test_store_list_jobs_newest_first_and_by_status(store: SqliteJobStore) -> None:
    store.create(new_job("a"))
    store.create(new_job("b"))
    store.update("a", status=JobStatus.RUNNING)

    assert [j.id for j in store.list_jobs()] == ["b", "a"]
    assert [j.id for j in store.list_jobs(statuses=[JobStatus.RUNNING])] == ["a"]


def test_store_claim_is_compare_and_set(store: SqliteJobStore) -> None:
    store.create(new_job().model_copy(update={"owner": "host:1"}))

    first = store.claim(
        "job-1", "host:2", expected_status=JobStatus.QUEUED, expected_owner="host:1"
    )
    second = store.claim(
        "job-1", "host:3", expected_status=JobStatus.QUEUED, expected_owner="host:1"
    )

    assert first is not None
    assert first.status is JobStatus.RUNNING
    assert first.owner == "host:2"
    assert first.heartbeat_at is not None
    assert second is None
    assert store.get("job-1").owner == "host:2"


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
