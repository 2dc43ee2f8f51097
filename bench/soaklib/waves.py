"""The run: each wave's jobs and untargeted faults started at their moments, and the server
SIGKILLed during the first waves, noted as the kill left it, and restarted."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from .client import Api, Notes, SoakTimeout, Tracked, drive_job, install
from .plan import FaultPlan, SoakPlan
from .processes import RssSampler, Server
from .settings import KILLS
from .snapshots import phase_of, read_steps


async def install_in_wave(api: Api, faults: list[FaultPlan], notes: Notes) -> None:
    """Install each untargeted rule at its moment of the wave."""
    waited = 0.0
    for fault in sorted(faults, key=lambda f: f.delay_s):
        await asyncio.sleep(fault.delay_s - waited)
        waited = fault.delay_s
        await install(api, [fault.rule], notes)


async def kill_and_restart(
    server: Server, jobs: list[Tracked], sampler: RssSampler, notes: Notes, output: Path
) -> None:
    """SIGKILL the server, note what it was doing (from the store as the kill left it), and
    start a new one."""
    working = in_flight(jobs)
    sampler.sample(server.pid)
    server.kill()
    killed_at = time.monotonic()
    snapshot = read_steps(output)
    notes.snapshots.append(snapshot)
    submitting = [f"{job}/{key}" for (job, key), state in snapshot.items() if state.submitting]
    notes.kills.append(
        {
            "server": server.incarnation,
            "in_flight": len(working),
            "phases": dict(Counter(phase_of(job.job_id, snapshot) for job in working)),
            "clips_submitting": len(submitting),
            "submitting": submitting,
            "clips_submitted": sum(state.status == "submitted" for state in snapshot.values()),
        }
    )
    await server.start()
    notes.kills[-1]["restart_s"] = round(time.monotonic() - killed_at, 1)


def in_flight(jobs: list[Tracked]) -> list[Tracked]:
    return [job for job in jobs if job.status != "unsent" and not job.final]


async def work_to_kill(jobs: list[Tracked], wave_jobs: list[Tracked]) -> bool:
    """Wait until some job is in flight (True), or until this wave's jobs are all final
    (False: the kill moves on to the next wave)."""
    while not in_flight(jobs):
        if all(job.final for job in wave_jobs):
            return False
        await asyncio.sleep(0.02)
    return True


async def run_waves(
    api: Api,
    plan: SoakPlan,
    jobs: list[Tracked],
    sampler: RssSampler,
    notes: Notes,
    output: Path,
) -> None:
    """Start each wave's jobs and faults; SIGKILL the server at the wave's seeded moment,
    or as soon as a job is in flight after it."""
    tasks: list[asyncio.Task[None]] = []
    kills = list(plan.kill_after_s)
    for wave in range(KILLS + 1):
        wave_jobs = [job for job in jobs if job.plan.wave == wave]
        tasks += [asyncio.create_task(drive_job(api, job, notes)) for job in wave_jobs]
        faults = [fault for fault in plan.faults if fault.wave == wave]
        tasks.append(asyncio.create_task(install_in_wave(api, faults, notes)))
        # One kill per wave; the last wave also takes the kills that found no work before.
        for _ in range(1 if wave < KILLS else len(kills)):
            if not kills:
                break
            await asyncio.sleep(kills[0])
            if not await work_to_kill(jobs, wave_jobs):
                break
            await kill_and_restart(api.server, jobs, sampler, notes, output)
            kills.pop(0)
    remaining = api.deadline - time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, remaining))
    for task in pending:
        task.cancel()
    for task in done:
        error = task.exception()
        if error is not None and not isinstance(error, SoakTimeout):
            api.anomalies.append(f"{type(error).__name__}: {error}")
