"""The job store contract, on each backend (SQLite and PostgreSQL): what it records,
unknown and duplicate jobs, the compare-and-set claim, and sharing across threads and stores."""

from __future__ import annotations

import threading

import pytest

from storyreel.domain.story import Usage
from storyreel.errors import JobError
from storyreel.jobs.models import (
    JobInput,
    JobRecord,
    JobStatus,
    StepKind,
    StepRecord,
    StepStatus,
    clip_step_key,
)
from storyreel.jobs.store import JobStore

from .conftest import StoreOpener
from .fakes import make_story


def new_job(job_id: str = "job-1", idea: str = "a storm") -> JobRecord:
    return JobRecord(id=job_id, input=JobInput(idea=idea, segments=3), out_dir="/tmp/x")


def clip(index: int, **changes: object) -> StepRecord:
    return StepRecord(key=clip_step_key(index), kind=StepKind.CLIP, index=index).but(**changes)


def test_store_create_and_get_round_trip(store: JobStore) -> None:
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


def test_store_unknown_job_is_a_job_error(store: JobStore) -> None:
    with pytest.raises(JobError, match="no job 'nope'"):
        store.get("nope")
    with pytest.raises(JobError):
        store.update("nope", status=JobStatus.FAILED)
    with pytest.raises(JobError):
        store.save_step("nope", clip(1))


def test_store_duplicate_job_is_refused(store: JobStore) -> None:
    store.create(new_job())
    with pytest.raises(JobError, match="already exists"):
        store.create(new_job())


def test_store_update_changes_only_named_fields(store: JobStore) -> None:
    store.create(new_job())
    store.update("job-1", cancel_requested=True)

    job = store.update("job-1", status=JobStatus.PARTIAL, reasons=["clip-02: blocked"])

    assert job.cancel_requested is True
    assert store.get("job-1").status is JobStatus.PARTIAL
    assert store.get("job-1").reasons == ["clip-02: blocked"]
    assert store.get("job-1").cancel_requested is True


def test_store_update_refuses_fixed_fields(store: JobStore) -> None:
    store.create(new_job())
    with pytest.raises(ValueError, match="cannot be updated"):
        store.update("job-1", out_dir="/elsewhere")


def test_store_failed_update_leaves_the_row_unchanged(store: JobStore) -> None:
    store.create(new_job())
    with pytest.raises(ValueError, match="status"):
        store.update("job-1", status="exploded")

    assert store.get("job-1").status is JobStatus.QUEUED


def test_store_save_step_replaces_and_add_steps_keeps(store: JobStore) -> None:
    store.create(new_job(), [clip(1)])
    store.save_step("job-1", clip(1, status=StepStatus.SUBMITTED, operation="op/1", submissions=1))

    store.add_steps("job-1", [clip(1), clip(2)])

    steps = {s.key: s for s in store.steps("job-1")}
    assert steps["clip-01"].operation == "op/1"
    assert steps["clip-01"].submissions == 1
    assert steps["clip-02"].status is StepStatus.PENDING


def test_store_steps_are_ordered_story_clips_thumbnail(store: JobStore) -> None:
    steps = [
        StepRecord(key="thumbnail", kind=StepKind.THUMBNAIL),
        clip(10),
        clip(2),
        StepRecord(key="story", kind=StepKind.STORY),
    ]
    store.create(new_job(), steps)

    assert [s.key for s in store.steps("job-1")] == ["story", "clip-02", "clip-10", "thumbnail"]


def test_store_list_jobs_newest_first_and_by_status(store: JobStore) -> None:
    store.create(new_job("a"))
    store.create(new_job("b"))
    store.update("a", status=JobStatus.RUNNING)

    assert [j.id for j in store.list_jobs()] == ["b", "a"]
    assert [j.id for j in store.list_jobs(statuses=[JobStatus.RUNNING])] == ["a"]


def test_store_claim_is_compare_and_set(store: JobStore) -> None:
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


def test_store_is_shared_by_threads(store: JobStore) -> None:
    store.create(new_job(), [clip(i) for i in range(1, 21)])
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for n in range(1, 11):
                store.save_step("job-1", clip(index, attempts=n, submissions=n))
                store.update("job-1", reasons=[f"thread {index} at {n}"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(1, 21)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert [s.submissions for s in store.steps("job-1")] == [10] * 20
    assert store.get("job-1").reasons[0].startswith("thread ")


def test_store_claim_race_has_exactly_one_winner(open_store: StoreOpener) -> None:
    first = open_store()
    first.create(new_job())
    # Each claimant has a store of its own, as separate processes would.
    claimants = [open_store() for _ in range(6)]
    start = threading.Barrier(len(claimants))
    won: list[str] = []

    def claim(n: int) -> None:
        start.wait()
        got = claimants[n].claim(
            "job-1", f"host:{n}", expected_status=JobStatus.QUEUED, expected_owner=None
        )
        if got is not None:
            won.append(got.owner or "")

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(len(claimants))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(won) == 1
    job = first.get("job-1")
    assert (job.owner, job.fence, job.status) == (won[0], 1, JobStatus.RUNNING)


def test_store_another_store_on_the_same_jobs_sees_every_write(open_store: StoreOpener) -> None:
    writer, reader = open_store(), open_store()
    writer.create(new_job("a"), [clip(1)])
    writer.create(new_job("b"))
    writer.save_step("a", clip(1, status=StepStatus.SUBMITTED, operation="op/1"))
    writer.update("b", status=JobStatus.CANCELLED)

    assert [j.id for j in reader.list_jobs()] == ["b", "a"]
    assert reader.get("b").status is JobStatus.CANCELLED
    assert reader.steps("a")[0].operation == "op/1"
    reader.check()


def test_store_closed_store_opens_again_on_use(store: JobStore) -> None:
    store.create(new_job())
    store.close()

    assert store.get("job-1").id == "job-1"
