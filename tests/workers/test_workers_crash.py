"""Three `storyreel worker` processes take twelve jobs from the API; one is SIGKILLed while it
holds a job mid-flight, and another finishes that job without paying for any clip twice."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx2
import pytest
from workers_support import emulator_stats, open_store, processes, shared_store, worker_env

from storyreel.jobs.models import JobRecord, JobStatus, StepKind, StepStatus, parse_owner
from storyreel.jobs.store import JobStore

JOBS = 12
SEGMENTS = 2
CONCURRENCY = 2


def held_mid_flight(
    store: JobStore, pid: int, *, concurrency: int = CONCURRENCY
) -> list[JobRecord]:
    """The jobs worker ``pid`` runs, if it runs ``concurrency`` of them and each has every
    clip submitted and none collected yet: with all its slots busy and nothing left to
    submit, a SIGKILL now finds no paid submit in flight (whose outcome would be unknown)."""
    held = []
    for job in store.list_jobs(statuses=[JobStatus.RUNNING]):
        if parse_owner(job.owner or "")[1] != pid:
            continue
        clips = [s for s in store.steps(job.id) if s.kind is StepKind.CLIP]
        if len(clips) != SEGMENTS or any(s.status is not StepStatus.SUBMITTED for s in clips):
            return []
        held.append(job)
    return held if len(held) == concurrency else []


@pytest.mark.slow
def test_workers_sigkill_mid_job_finishes_elsewhere_without_paying_twice(
    tmp_path: Path, redis_url: str, request: pytest.FixtureRequest
) -> None:
    output_dir = tmp_path / "output"
    base = worker_env(output_dir)
    shared = shared_store(request)
    with processes(tmp_path) as procs:
        emulator = procs.emulator(video_latency_s=1.5, env=base)
        env = worker_env(
            output_dir,
            emulator__url=emulator,
            jobs__queue="celery",
            jobs__broker_url=redis_url,
            # Short enough for a quick takeover, long enough that a loaded machine's stall
            # does not cost a live worker its lease.
            jobs__lease_s=8,
            jobs__heartbeat_s=1,
            video__poll_initial_s=0.2,
            video__poll_max_s=0.4,
            narration__enabled="false",
            reel__enabled="false",
            video__keyframes="false",
            **shared,
        )
        workers = procs.workers(3, env, "--concurrency", str(CONCURRENCY))
        api = procs.api(env)
        http = httpx2.Client(base_url=api, timeout=30)
        posted = []
        for n in range(JOBS):
            answer = http.post("/v1/videos", json={"idea": f"kite {n}", "segments": SEGMENTS})
            assert answer.status_code == 202, answer.text
            assert answer.json()["status"] == "queued"
            posted.append(answer.json()["id"])

        store = open_store(output_dir, shared)
        deadline = time.monotonic() + 60
        victim, held = workers[0], []
        while not held:
            assert time.monotonic() < deadline, "no worker was ever seen with its jobs in flight"
            for victim in workers:
                if held := held_mid_flight(store, victim.popen.pid):
                    break
            else:
                time.sleep(0.02)
        victim.kill()
        killed_at = time.monotonic()

        deadline = time.monotonic() + 120
        while not all(store.get(job_id).final for job_id in posted):
            assert time.monotonic() < deadline, {j: store.get(j).status for j in posted}
            time.sleep(0.2)
        after_kill_s = time.monotonic() - killed_at

        views = [http.get(f"/v1/jobs/{job_id}").json() for job_id in posted]
        assert [view["status"] for view in views] == ["succeeded"] * JOBS
        manifests = sum(view["manifest"]["video_submissions"] for view in views)
        assert manifests == JOBS * SEGMENTS
        assert emulator_stats(emulator)["video_submissions"] == manifests
        for job_id in posted:
            clips = [s for s in store.steps(job_id) if s.kind is StepKind.CLIP]
            assert [s.submissions for s in clips] == [1] * SEGMENTS, job_id  # none paid twice
        for job in held:  # finished by another worker, after a resume (a new claim)
            after = store.get(job.id)
            assert parse_owner(after.owner or "")[1] != victim.popen.pid
            assert after.fence > job.fence
        # A lease (8 s), a rescan (every 4 s) and the jobs' own remaining time.
        assert after_kill_s < 60, after_kill_s
        store.close()
        http.close()


@pytest.mark.slow
def test_workers_sigterm_puts_the_job_back_for_the_next_worker(
    tmp_path: Path, redis_url: str, request: pytest.FixtureRequest
) -> None:
    output_dir = tmp_path / "output"
    shared = shared_store(request)
    with processes(tmp_path) as procs:
        emulator = procs.emulator(video_latency_s=3.0, env=worker_env(output_dir))
        env = worker_env(
            output_dir,
            emulator__url=emulator,
            jobs__queue="celery",
            jobs__broker_url=redis_url,
            video__poll_initial_s=0.2,
            video__poll_max_s=0.4,
            narration__enabled="false",
            reel__enabled="false",
            video__keyframes="false",
            **shared,
        )
        (first,) = procs.workers(1, env)
        made = procs.start(
            "make", "make", "a lantern", "--segments", "2", "--queue", "--yes", env=env
        )
        assert made.popen.wait(timeout=60) == 0, made.text()
        store = open_store(output_dir, shared)
        deadline = time.monotonic() + 30
        while not (held := held_mid_flight(store, first.popen.pid, concurrency=1)):
            assert time.monotonic() < deadline, first.text()[-3000:]
            time.sleep(0.02)

        first.popen.send_signal(signal.SIGTERM)

        assert first.popen.wait(timeout=20) == 0, first.text()[-3000:]
        (job,) = held
        assert store.get(job.id).status is JobStatus.QUEUED
        procs.workers(1, env)  # its rescan finds the job of a worker that is gone
        deadline = time.monotonic() + 30
        while not store.get(job.id).final:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert store.get(job.id).status is JobStatus.SUCCEEDED
        assert emulator_stats(emulator)["video_submissions"] == SEGMENTS
        store.close()
