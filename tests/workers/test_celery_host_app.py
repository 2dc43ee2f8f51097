"""examples/celery_host_app.py: a host's own Celery worker runs storyreel's jobs beside its
own tasks, from the same queue servers and commands send to."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from test_api_queueing import celery_settings
from workers_support import processes, worker_env

from storyreel.containers import aclose_container, create_container
from storyreel.jobs.models import JobStatus, parse_owner
from storyreel.workers import JobAction, JobQueue, create_celery_app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.slow
async def test_celery_host_app_runs_storyreel_jobs_and_its_own_tasks(
    tmp_path: Path, redis_url: str
) -> None:
    output_dir = tmp_path / "output"
    settings = celery_settings(output_dir, redis_url)
    env = worker_env(
        output_dir,
        jobs__queue="celery",
        jobs__broker_url=redis_url,
        video__poll_initial_s=0.05,
        video__poll_max_s=0.2,
        emulator__video_latency_s=0.3,
        narration__enabled="false",
        reel__enabled="false",
        video__keyframes="false",
    )
    container = create_container(settings)
    queue = JobQueue.from_settings(settings)
    sender = create_celery_app(settings)
    try:
        with processes(tmp_path) as procs:
            worker = procs.start_module(
                "host-worker",
                "celery",
                *("-A", "celery_host_app", "worker", "--pool", "threads", "--concurrency", "2"),
                *("--loglevel", "INFO", "--without-mingle", "--without-gossip"),
                env=env,
                cwd=EXAMPLES,
            )
            worker.wait_for(r"ready\.")
            job = container.job_runner().create("a kite over the dunes", segments=2)
            queue.enqueue(JobAction(kind="run", job_id=job.id, fence=job.fence))
            sender.send_task("kite_studio.caption", args=["Dunes"])

            deadline = time.monotonic() + 60
            while not (done := container.job_store().get(job.id)).final:
                assert time.monotonic() < deadline, worker.text()[-3000:]
                time.sleep(0.1)

            assert done.status is JobStatus.SUCCEEDED, done.reasons
            assert parse_owner(done.owner or "")[1] == worker.popen.pid
            assert parse_owner(done.owner or "")[2] == "worker"
            worker.wait_for(r"kite_studio\.caption\[.*\] succeeded .*Dunes — a Kite Studio short")
    finally:
        queue.close()
        sender.close()
        await aclose_container(container)
