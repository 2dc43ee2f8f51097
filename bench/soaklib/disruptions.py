"""The seeded disruptions of the server, each noted as it left the job store: a SIGKILL and
restart; a SIGTERM while the emulator holds the answer of an accepted (paid) submit, and
restart; a SIGSTOP past the job lease while a replacement takes the jobs over, then SIGCONT
and SIGTERM of the stopped one."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

from .client import Api, Notes, Tracked, install
from .processes import Processes, RssSampler
from .settings import HEARTBEAT_S, HELD_SUBMIT_S, HELD_SUBMIT_WAIT_S, LEASE_S
from .snapshots import StepKey, StepState, phase_of, read_steps

HELD_SUBMIT = {"route": "predictLongRunning", "kind": "delay_after_accept"}


def in_flight(jobs: list[Tracked]) -> list[Tracked]:
    return [job for job in jobs if job.status != "unsent" and not job.final]


def describe_store(
    kind: str, server: int, working: list[Tracked], snapshot: dict[StepKey, StepState]
) -> dict[str, Any]:
    """What a disruption left: the jobs in flight by phase, the clips mid-submit."""
    submitting = [f"{job}/{key}" for (job, key), state in snapshot.items() if state.submitting]
    return {
        "signal": kind,
        "server": server,
        "in_flight": len(working),
        "phases": dict(Counter(phase_of(job.job_id, snapshot) for job in working)),
        "clips_submitting": len(submitting),
        "submitting": submitting,
        "clips_submitted": sum(state.status == "submitted" for state in snapshot.values()),
    }


async def kill_and_restart(
    api: Api, jobs: list[Tracked], sampler: RssSampler, notes: Notes, output: Path
) -> None:
    """SIGKILL the server, note what it was doing (from the store as the kill left it), and
    start a new one."""
    server = api.server
    working = in_flight(jobs)
    sampler.sample(server.pid)
    server.kill()
    killed_at = time.monotonic()
    snapshot = read_steps(output)
    notes.snapshots.append(snapshot)
    notes.kills.append(describe_store("SIGKILL", server.incarnation, working, snapshot))
    await server.start()
    notes.kills[-1]["restart_s"] = round(time.monotonic() - killed_at, 1)


async def held_submit_taken(api: Api) -> bool:
    """Wait until the held-submit rule has met a submit (True), or give up (False)."""
    deadline = time.monotonic() + HELD_SUBMIT_WAIT_S
    while time.monotonic() < deadline:
        stats = await api.emulator("GET", "/_emulator/stats")
        if not any(rule["kind"] == HELD_SUBMIT["kind"] for rule in stats["faults"]):
            return True
        await asyncio.sleep(0.05)
    return False


async def terminate_in_submit(
    api: Api, jobs: list[Tracked], sampler: RssSampler, notes: Notes, output: Path
) -> None:
    """Hold the answer of the next accepted submit, SIGTERM the server while it waits for it
    (a graceful stop records it), note the store as the stop left it, and restart."""
    await install(api, [{**HELD_SUBMIT, "delay_s": HELD_SUBMIT_S, "times": 1}], notes)
    held = await held_submit_taken(api)
    server = api.server
    working = in_flight(jobs)
    sampler.sample(server.pid)
    stopped_at = time.monotonic()
    code = await asyncio.to_thread(server.stop)
    stop_s = round(time.monotonic() - stopped_at, 1)
    note = describe_store("SIGTERM", server.incarnation, working, read_steps(output))
    notes.stops.append(note | {"held_submit": held, "exit": code, "stop_s": stop_s})
    if code not in (0, -signal.SIGTERM):
        api.anomalies.append(f"storyreel serve exited with {code} on SIGTERM")
    await server.start()


async def freeze_past_lease(
    api: Api, jobs: list[Tracked], sampler: RssSampler, notes: Notes, output: Path
) -> None:
    """SIGSTOP the server past its lease; start a replacement on the same output folder,
    which takes the jobs over; SIGCONT the stopped one, let it see its leases are gone, and
    SIGTERM it. A clip mid-submit at the stop is in a declared window, as at a SIGKILL."""
    server = api.server
    working = in_flight(jobs)
    sampler.sample(server.pid)
    frozen, incarnation = server.freeze(), server.incarnation
    await asyncio.sleep(LEASE_S + 2 * HEARTBEAT_S)
    # The stopped process may hold the store's lock: read it without waiting on that.
    try:
        snapshot = await asyncio.wait_for(asyncio.to_thread(read_steps, output), 5.0)
    except TimeoutError:
        snapshot = {}
        api.anomalies.append("the job store was locked by the SIGSTOPped server")
    notes.snapshots.append(snapshot)
    notes.kills.append(describe_store("SIGSTOP", incarnation, working, snapshot))
    try:
        await server.start()
    except RuntimeError as exc:
        # A process stopped inside a store transaction keeps the store locked: no other
        # process can open it (a storyreel limit, reported); the stopped one goes on.
        notes.kills[-1]["takeover"] = f"blocked: {exc}"
        api.anomalies.append(f"no takeover while SIGSTOPped: the replacement failed ({exc})")
        Processes.signal_group(frozen, signal.SIGCONT)
        await server.start()
    Processes.signal_group(frozen, signal.SIGCONT)
    await asyncio.sleep(3 * HEARTBEAT_S)
    code = await asyncio.to_thread(server.end_frozen, frozen)
    notes.kills[-1]["stale_exit"] = code
    if code not in (0, -signal.SIGTERM):
        api.anomalies.append(f"the SIGSTOPped storyreel serve exited with {code} on SIGTERM")


DISRUPTIONS = {
    "SIGKILL": kill_and_restart,
    "SIGTERM": terminate_in_submit,
    "SIGSTOP": freeze_past_lease,
}
