"""Workers mode's disruptions: a worker that holds running jobs SIGKILLed (picked by the
seeded generator among those that hold one) and a replacement started, so that N stay up;
the API server SIGKILLed and restarted. Each noted as the kill left the PostgreSQL store; at
the end, which of the killed workers' jobs another worker finished."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from storyreel.jobs import JobStatus, PostgresJobStore
from storyreel.jobs.models import parse_owner

from .client import Api, Notes, Tracked
from .disruptions import describe_store, in_flight
from .processes import RssSampler
from .settings import WORKER_VICTIM_WAIT_S
from .snapshots import read_steps
from .waves import Disruption
from .workers import WorkerPool


def held_jobs(store_url: str) -> dict[int, dict[str, int]]:
    """The running jobs of the store by the pid of their owner: {pid: {job id: fence}}."""
    store = PostgresJobStore(store_url, keep_connections=1)
    try:
        held: dict[int, dict[str, int]] = {}
        for job in store.list_jobs(statuses=[JobStatus.RUNNING]):
            pid = parse_owner(job.owner or "")[1]
            if pid is not None:
                held.setdefault(pid, {})[job.id] = job.fence
        return held
    finally:
        store.close()


def worker_killer(pool: WorkerPool, store_url: str) -> Disruption:
    """The "WORKER" disruption of the waves, on ``pool`` and the store at ``store_url``."""

    async def kill_worker(
        api: Api, jobs: list[Tracked], sampler: RssSampler, notes: Notes, output: Path
    ) -> None:
        deadline = time.monotonic() + WORKER_VICTIM_WAIT_S
        while True:
            held = await asyncio.to_thread(held_jobs, store_url)
            holders = [worker for worker in pool.live if held.get(worker.pid)]
            if holders:
                break
            if time.monotonic() > deadline or not in_flight(jobs):
                notes.skipped_events.append("WORKER (no worker held a running job)")
                return
            await asyncio.sleep(0.1)
        victim = pool.rng.choice(holders)
        pool.kill(victim)
        killed_at = time.monotonic()
        mine = held[victim.pid]
        # Read at once: the other workers' rescans take the jobs over within seconds.
        everything = await asyncio.to_thread(read_steps, output, store_url)
        snapshot = {key: state for key, state in everything.items() if key[0] in mine}
        notes.snapshots.append(snapshot)
        working = [job for job in in_flight(jobs) if job.job_id in mine]
        note = describe_store("WORKER", api.server.incarnation, working, snapshot)
        note |= {"worker": victim.name, "pid": victim.pid, "jobs": mine}
        notes.kills.append(note)
        replacement = await pool.start_one()
        note |= {
            "replacement": replacement.name,
            "restart_s": round(time.monotonic() - killed_at, 1),
        }

    return kill_worker


async def kill_api(
    api: Api, jobs: list[Tracked], sampler: RssSampler, notes: Notes, output: Path
) -> None:
    """SIGKILL the API server (it runs no job: the workers do) and start a new one; the
    POSTs in flight are found again by their idea or resumed by hand (see client)."""
    server = api.server
    posting = sum(job.status == "posting" for job in jobs)
    sampler.sample(server.pid)
    server.kill()
    killed_at = time.monotonic()
    notes.kills.append(
        {
            "signal": "SIGKILL",
            "server": server.incarnation,
            "in_flight": len(in_flight(jobs)),
            "phases": {"posting": posting} if posting else {},
            "clips_submitting": 0,
            "submitting": [],
        }
    )
    await server.start()
    notes.kills[-1]["restart_s"] = round(time.monotonic() - killed_at, 1)


def takeovers(store_url: str, kills: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """The jobs a killed worker held, split into those another process claimed since and
    finished (a higher fence, another owner), and the others (``job: why``)."""
    store = PostgresJobStore(store_url, keep_connections=1)
    taken, missed = [], []
    try:
        for kill in kills:
            for job_id, fence in kill.get("jobs", {}).items():
                job = store.get(job_id)
                pid = parse_owner(job.owner or "")[1]
                if job.final and pid != kill["pid"] and job.fence > fence:
                    taken.append(job_id)
                else:
                    missed.append(f"{job_id}: {job.status.value}, owner {job.owner}")
    finally:
        store.close()
    return sorted(set(taken)), missed


def describe_jobs(store_url: str, job_ids: list[str]) -> dict[str, str]:
    """Who holds each job, as the store says (for the stuck ones)."""
    store = PostgresJobStore(store_url, keep_connections=1)
    try:
        described = {}
        for job_id in job_ids:
            job = store.get(job_id)
            beat = job.heartbeat_at.isoformat() if job.heartbeat_at else None
            described[job_id] = (
                f"owner {job.owner}, fence {job.fence}, updated {job.updated_at.isoformat()}, "
                f"heartbeat {beat}"
            )
        return described
    finally:
        store.close()
