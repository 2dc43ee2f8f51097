"""The run: each wave's jobs and untargeted faults started at their moments, and the server
disrupted (SIGKILL, SIGTERM, SIGSTOP past its lease) at the seeded moments of the waves."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from .client import Api, Notes, SoakTimeout, Tracked, drive_job, install
from .disruptions import DISRUPTIONS, in_flight
from .plan import FaultPlan, SoakPlan
from .processes import RssSampler
from .settings import WAVES

Disruption = Callable[[Api, list[Tracked], RssSampler, Notes, Path], Awaitable[None]]


async def install_in_wave(api: Api, faults: list[FaultPlan], notes: Notes) -> None:
    """Install each untargeted rule at its moment of the wave."""
    waited = 0.0
    for fault in sorted(faults, key=lambda f: f.delay_s):
        await asyncio.sleep(fault.delay_s - waited)
        waited = fault.delay_s
        await install(api, [fault.rule], notes)


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
    disruptions: Mapping[str, Disruption] = DISRUPTIONS,
) -> None:
    """Start each wave's jobs and faults, then disrupt the server (or in workers mode, a
    worker) at the wave's seeded moments, or as soon as a job is in flight after them."""
    tasks: list[asyncio.Task[None]] = []
    events = list(plan.events)
    for wave in range(WAVES):
        wave_jobs = [job for job in jobs if job.plan.wave == wave]
        tasks += [asyncio.create_task(drive_job(api, job, notes)) for job in wave_jobs]
        faults = [fault for fault in plan.faults if fault.wave == wave]
        tasks.append(asyncio.create_task(install_in_wave(api, faults, notes)))
        # The last wave also takes the events that found no work before.
        while events and (events[0].wave <= wave or wave == WAVES - 1):
            await asyncio.sleep(events[0].after_s)
            if not await work_to_kill(jobs, wave_jobs):
                break
            await disruptions[events[0].kind](api, jobs, sampler, notes, output)
            events.pop(0)
    notes.skipped_events += [event.kind for event in events]
    remaining = api.deadline - time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=max(0.0, remaining))
    for task in pending:
        task.cancel()
    for task in done:
        error = task.exception()
        if error is not None and not isinstance(error, SoakTimeout):
            api.anomalies.append(f"{type(error).__name__}: {error}")
