"""One soak put together: the plan driven against the servers over HTTP, then every check."""

from __future__ import annotations

import asyncio
import dataclasses
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from storyreel.jobs import default_store_path

from .checks import (
    Submissions,
    ambiguous_submit_refusals,
    check_job_folder,
    consumed_faults,
    describe_rule,
    failures_of,
    submissions_of,
)
from .client import (
    Api,
    Notes,
    SoakTimeout,
    Tracked,
    collect,
    download_mismatches,
    probe_error_paths,
)
from .disruptions import DISRUPTIONS
from .leaks import FakeSecret, LeakLedger, make_secrets, scan_files, scan_postgres, scan_store
from .plan import SoakPlan, make_plan
from .processes import Processes, RssSampler, Server, server_env, start_emulator
from .recollect import recollect_clip
from .repaid import repaid_clips
from .report import SoakResult
from .services import Services
from .settings import FINAL, REQUEST_TIMEOUT_S, Options
from .snapshots import read_steps, repaid_after_kills
from .waves import Disruption, run_waves
from .worker_kills import describe_jobs, kill_api, takeovers, worker_killer
from .workers import WorkerPool


@dataclass
class Run:
    """One soak: its plan, its subprocesses, and what it has seen so far."""

    options: Options
    workdir: Path
    processes: Processes
    started: float = field(default_factory=time.monotonic)
    fakes: list[FakeSecret] = field(default_factory=make_secrets)
    notes: Notes = field(default_factory=Notes)
    sampler: RssSampler = field(default_factory=RssSampler)
    # Workers mode: PostgreSQL and Redis (started by ``drive``, stopped by the caller).
    services: Services = field(default_factory=Services)

    @property
    def workers(self) -> bool:
        return self.options.workers is not None

    @property
    def store_url(self) -> str | None:
        return self.services.store_url if self.workers else None

    @property
    def output(self) -> Path:
        return self.workdir / "output"

    @property
    def token(self) -> str:
        return next(fake.value for fake in self.fakes if fake.env == "STORYREEL_API_TOKEN")


@dataclass
class Observed:
    """What the HTTP side saw at the end: every job, the downloads, the emulator's stats."""

    plan: SoakPlan
    tracked: list[Tracked]
    details: dict[str, dict[str, Any]]
    download_problems: list[str]
    stats: dict[str, Any]
    anomalies: list[str]
    recollect: dict[str, Any]
    worker_exits: dict[str, int | None] = field(default_factory=dict)


async def drive(run: Run, ledger: LeakLedger) -> Observed:
    """Run the waves against the servers, then collect every job and stop the server."""
    plan = make_plan(run.options, random.Random(run.options.seed))
    tracked = [Tracked(job) for job in plan.jobs]
    emulator_url = await start_emulator(run.processes, run.workdir)
    pool: WorkerPool | None = None
    disruptions: dict[str, Disruption] = dict(DISRUPTIONS)
    if run.options.workers is not None:
        await asyncio.to_thread(run.services.start, run.fakes)
        services = run.services
        env = server_env(
            run.workdir,
            emulator_url,
            run.fakes,
            store_url=services.store_url,
            broker_url=services.broker_url,
        )
        pool = WorkerPool(run.processes, env, run.workdir, run.options.workers, run.options.seed)
        await pool.start()
        disruptions = {"WORKER": worker_killer(pool, services.store_url), "SIGKILL": kill_api}
    else:
        env = server_env(run.workdir, emulator_url, run.fakes)
    server = Server(run.processes, env, run.workdir)
    await server.start()
    sampling = asyncio.create_task(run.sampler.run(server))
    limits = httpx.Limits(max_connections=64)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as http:
        api = Api(http, server, emulator_url, run.token, ledger)
        api.workers_mode = run.workers
        # Keep time for the checks and the shutdown at the end.
        reserve = min(45.0, max(15.0, run.options.max_seconds * 0.2))
        api.deadline = run.started + run.options.max_seconds - reserve
        await probe_error_paths(api)
        await run_waves(api, plan, tracked, run.sampler, run.notes, run.output, disruptions)
        try:
            recollect = await recollect_clip(api, tracked, run.notes, run.output)
        except SoakTimeout:
            recollect = {"problem": "the soak's time ran out"}
        api.deadline = run.started + run.options.max_seconds - 5.0
        await probe_error_paths(api)
        details = await collect(api)
        problems = await download_mismatches(api, run.output, details)
        sampling.cancel()
        run.sampler.sample(server.pid)
        exit_code = server.stop()
        if exit_code not in (0, -signal.SIGTERM):
            api.anomalies.append(f"storyreel serve exited with {exit_code} on SIGTERM")
        exits = await asyncio.to_thread(pool.stop_all) if pool is not None else {}
        for name, code in exits.items():
            if code != 0:
                api.anomalies.append(f"storyreel worker {name} exited with {code} on SIGTERM")
        stats = await api.emulator("GET", "/_emulator/stats")
    return Observed(plan, tracked, details, problems, stats, api.anomalies, recollect, exits)


def evaluate(run: Run, seen: Observed, ledger: LeakLedger) -> SoakResult:
    """Check what is on disk, in the store and at the emulator against what the jobs say."""
    details, notes = seen.details, run.notes
    lost = list(seen.download_problems)
    for job_id, detail in details.items():
        if detail["status"] in FINAL:
            lost += check_job_folder(run.output / job_id, detail, run.options.segments)
    stuck = [
        f"{job_id}: {d['status']}" for job_id, d in details.items() if d["status"] not in FINAL
    ]
    if run.store_url is not None and stuck:
        held = describe_jobs(run.store_url, [line.split(":")[0] for line in stuck])
        stuck = [f"{line} ({held[line.split(':')[0]]})" for line in stuck]
    stuck += [f"job {j.plan.index + 1}: never created" for j in seen.tracked if j.job_id is None]
    fired = consumed_faults(notes.faults_installed, seen.stats["faults"])
    # Every server (and worker) has stopped: the store holds each step's submissions as
    # they ended.
    end = read_steps(run.output, run.store_url)
    submissions = Submissions(
        emulator=int(seen.stats["video_submissions"]),
        manifests=sum(submissions_of(detail) for detail in details.values()),
        ambiguous=ambiguous_submit_refusals(fired),
        cut_by_kills=sum(kill["clips_submitting"] for kill in notes.kills),
    )
    repaid, windowed = repaid_clips(
        end, notes.snapshots, seen.tracked, notes.faults_installed, seen.stats["faults"]
    )
    if run.store_url is not None:
        scan_postgres(ledger, run.store_url)
        for log in run.services.logs:
            ledger.scan("logs", log.read_bytes())
    else:
        scan_store(ledger, default_store_path(run.output))
    scan_files(ledger, run.workdir)
    worker_kills = [kill for kill in notes.kills if kill["signal"] == "WORKER"]
    taken, missed = takeovers(run.store_url, worker_kills) if run.store_url else ([], [])
    statuses = Counter(str(detail["status"]) for detail in details.values())
    known = {job.job_id for job in seen.tracked}
    return SoakResult(
        jobs=len(seen.tracked),
        segments=run.options.segments,
        succeeded=statuses["succeeded"],
        partial=statuses["partial"],
        failed=statuses["failed"],
        lost_artifacts=len(lost),
        unaccounted_submissions=submissions.unaccounted,
        stuck_jobs=len(stuck),
        leaked_secrets=ledger.total,
        peak_rss_mb=round(run.sampler.peak_kb / 1024, 1),
        restarts=len(notes.kills),
        failures=failures_of(details),
        seconds=round(time.monotonic() - run.started, 1),
        seed=run.options.seed,
        submissions=dataclasses.asdict(submissions)
        | {"difference": abs(submissions.manifests - submissions.emulator)},
        overcounted_at_kills=submissions.overcounted_at_kills,
        submissions_text=submissions.text(),
        repaid_after_restart=repaid_after_kills(notes.snapshots, end),
        repaid_clips=len(repaid),
        repaid_in_sigkill_window=len(windowed),
        repaid=repaid,
        repaid_windowed=windowed,
        recollect=seen.recollect,
        stops=notes.stops,
        skipped_events=notes.skipped_events,
        lost=lost,
        stuck=stuck,
        leaks_by_source=dict(ledger.by_source),
        leaks_by_secret=dict(ledger.by_secret),
        scanned=dict(ledger.scanned),
        kills=notes.kills,
        manual_resumes=notes.manual_resumes,
        adopted_posts=len(notes.adopted_posts),
        extra_jobs=[job_id for job_id in details if job_id not in known],
        faults_fired={name: count for name, count in sorted(fired.items()) if count},
        faults_installed=len(notes.faults_installed),
        faults_unfired=[describe_rule(rule) for rule in seen.stats["faults"]],
        faults_unscheduled=[describe_rule(rule) for rule in seen.plan.unscheduled],
        anomalies=seen.anomalies,
        workers=run.options.workers,
        workers_killed=len(worker_kills),
        taken_over=len(taken),
        taken_over_jobs=taken,
        not_taken_over=missed,
        worker_exits=seen.worker_exits,
    )


async def soak(run: Run) -> SoakResult:
    ledger = LeakLedger(run.fakes)
    seen = await drive(run, ledger)
    return evaluate(run, seen, ledger)
