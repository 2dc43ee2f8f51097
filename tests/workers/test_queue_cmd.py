"""``--queue`` of make, resume and reshoot: the job is queued, its action sent to the broker,
its id printed; without workers configured or with the broker down, one line says why."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_api_queueing import celery_settings, sent_actions
from workers_support import worker_env

from storyreel.containers import aclose_container, create_container
from storyreel.jobs.models import JobStatus
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.testing.servers import free_port
from storyreel.workers import JobAction

SECRET = "queue-secret-77"


def storyreel(tmp_path: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "storyreel.cli", *args],
        cwd=tmp_path,
        env=worker_env(tmp_path / "output", **settings),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def jobs_of(tmp_path: Path) -> list[tuple[str, JobStatus, int]]:
    store = SqliteJobStore.in_output_dir(tmp_path / "output")
    try:
        return [(job.id, job.status, job.fence) for job in store.list_jobs()]
    finally:
        store.close()


def test_queue_cmd_without_workers_is_a_usage_error(tmp_path: Path) -> None:
    done = storyreel(tmp_path, "make", "a kite", "--queue", "--yes")

    assert done.returncode == 2
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert "--queue" in done.stderr
    assert "STORYREEL_JOBS__QUEUE=celery" in done.stderr
    assert not (tmp_path / "output").exists() or jobs_of(tmp_path) == []


def test_queue_cmd_make_refuses_an_output_folder_the_workers_do_not_reach(
    tmp_path: Path,
) -> None:
    from storyreel.jobs.placement import SHARED_FILESYSTEMS, filesystem_of

    mount = filesystem_of(tmp_path)
    if mount is not None and mount[1] in SHARED_FILESYSTEMS:
        pytest.skip(f"the test folder is itself on shared storage ({mount[1]})")
    done = storyreel(
        tmp_path,
        "make",
        "a kite",
        "--queue",
        "--yes",
        jobs__queue="celery",
        jobs__broker_url=f"redis://127.0.0.1:{free_port()}/0",
        jobs__shared_output="false",
    )

    assert done.returncode == 78, done.stderr
    assert done.stderr.splitlines() == [done.stderr.strip()]
    assert "jobs.shared_output" in done.stderr
    assert jobs_of(tmp_path) == []


def test_queue_cmd_make_with_the_broker_down_creates_no_job(tmp_path: Path) -> None:
    port = free_port()
    broker = f"redis://:{SECRET}@127.0.0.1:{port}/0"
    done = storyreel(
        tmp_path,
        "make",
        "a kite",
        "--queue",
        "--yes",
        jobs__queue="celery",
        jobs__broker_url=broker,
    )

    assert done.returncode == 69, done.stderr
    (line,) = done.stderr.strip().splitlines()[-1:]
    assert f"redis://:***@127.0.0.1:{port}/0" in line
    assert SECRET not in done.stderr + done.stdout
    # Checked before the job was created: nothing is left waiting for a broker.
    assert jobs_of(tmp_path) == []


def test_queue_cmd_make_then_resume_send_actions_naming_the_fence(
    tmp_path: Path, redis_url: str
) -> None:
    celery = {"jobs__queue": "celery", "jobs__broker_url": redis_url}
    made = storyreel(tmp_path, "make", "a kite", "--queue", "--yes", "--json", **celery)
    assert made.returncode == 0, made.stderr
    job_id = json.loads(made.stdout)["id"]

    resumed = storyreel(tmp_path, "resume", job_id, "--queue", "--yes", **celery)

    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.strip() == job_id
    assert f"GET /v1/jobs/{job_id}" in resumed.stderr
    ((_, status, fence),) = jobs_of(tmp_path)
    assert status is JobStatus.QUEUED
    assert sent_actions(redis_url) == [
        JobAction(kind="run", job_id=job_id, fence=0),
        JobAction(kind="resume", job_id=job_id, fence=fence),
    ]


@pytest.mark.slow
async def test_queue_cmd_reshoot_queues_the_finished_job(tmp_path: Path, redis_url: str) -> None:
    container = create_container(celery_settings(tmp_path / "output", redis_url))
    try:
        runner = container.job_runner()
        job = runner.create("a paper boat", segments=2)
        await runner.run(job.id)
    finally:
        await aclose_container(container)
    celery = {"jobs__queue": "celery", "jobs__broker_url": redis_url}

    done = storyreel(tmp_path, "reshoot", job.id, "--segment", "1", "--queue", "--yes", **celery)

    assert done.returncode == 0, done.stderr
    ((_, status, fence),) = jobs_of(tmp_path)
    assert status is JobStatus.QUEUED
    assert sent_actions(redis_url) == [
        JobAction(kind="reshoot", job_id=job.id, fence=fence, index=1)
    ]
