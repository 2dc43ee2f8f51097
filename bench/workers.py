"""Throughput of `storyreel worker` processes: jobs a minute with 1, 2 and 4 workers, and with
4 under a Veo submit quota, against the emulator, in one run.

    python bench/workers.py [--concurrency 2] [--waves 4] [--video-latency 6] [--requests 6]
                            [--per-s 6] [--quota-jobs 24] [--counts 1,2,4] [--json]

Everything runs on 127.0.0.1 and is started and stopped here (on an error, Ctrl-C or SIGTERM
too): PostgreSQL (the job store and the shared budgets) and Redis (the Celery broker) from
the system's binaries, a standalone emulator (video latency L = 6 s), `storyreel serve`
(jobs are posted to ``POST /v1/videos``, which enqueues them) and, for each configuration,
fresh `storyreel worker --concurrency C` processes (C = 2).

Why the figures are what they are. Jobs are small and wait on Veo: 2 segments of 4 s, no
keyframes, no narration, no reel. A job then takes about L + 1 s (the story, two submits,
polls every 0.5 s once a clip is due, saving the clips) of which a worker's own work is
~0.2 CPU s, so the workers' slots, not the machine's 2 cores, set the pace: N workers x C
slots / (L + 1 s) is about 17 jobs a minute per worker. The "cores" column (CPU of every
process the bench started / wall time) stays far below 2; "host %" is the whole machine's,
other work included: when it is near 100 % the per-job "task s" grows and the ratios say
more about the machine than about the workers. All jobs share one idea, so the emulator
encodes its 2 clips once and serves them from its cache: its encoding (~0.25 CPU s a clip,
Google's work, not storyreel's) would otherwise cost more CPU than the workers
(``--distinct-ideas`` puts it back).

Each configuration starts its workers, waits until every one is ready (start-up and
imports are not counted), posts a batch of ``waves x workers x C`` jobs at once and waits
until all are final. Throughput = jobs / (last job's finish - first job's creation), both
from the job store. A batch that is a whole number of waves for each configuration gives
every configuration the same start and tail, so 1 worker's figure x N is the linear ideal
for N; target: each >= 0.8 of it. A warm-up batch first fills the store's operation history
(adaptive polling) so that every measured batch polls alike. The default budgets (Vertex's
50 submits a minute) are lifted: they would bind at 4 workers (2 submits a second).

Quota: 4 workers under ``google.rate_limits.video_submit`` = R submits per S seconds for
the model in use (R = 6, S = 6: 30 jobs a minute at 2 clips a job, about half of what 4
workers make unlimited), the emulator enforcing the same quota (a 429 over it). The
quota-bound rate is R / S / clips per job. With L >= S the batch cannot beat that rate
(its n submits need (n/R - 1) x S seconds, and the last job a further L after its submit),
so a figure above it means the quota leaked; target: bound / 1.15 <= measured <= bound,
no 429 from the emulator, and no S-second window holding more than R accepted submits
(from the emulator's own record of each operation: its state folder, done_at - latency).
The measured rate falls short of the bound by the first story (~1.5 s before the first
submit), the last job's L + 1 s after the last wave instead of S, and ~0.2 s a wave: the
limiter counts a call's window from its answer, not its sending (Vertex counts arrivals,
which may come later than the sending), and a waiting job re-asks PostgreSQL after its
computed wait.

Every batch also checks: every job succeeded, and the emulator's accepted submissions =
the manifests' video_submissions = jobs x 2. Exit status 0 only when every target and check
holds.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from workerslib import (
    Processes,
    bench_root,
    cpu_s,
    machine_cpu,
    services,
    storyreel_env,
    tree_cpu_s,
)

SEGMENTS = 2
CLIP_SECONDS = 4
LINEAR_TARGET = 0.8
QUOTA_TARGET = 1.15
WORKER_COUNTS = (1, 2, 4)
BATCH_TIMEOUT_S = 600.0
FINAL = ("succeeded", "partial", "failed", "cancelled")
POLL_S = 0.5  # video.poll_initial_s, poll_max_s, poll_fast_s


def _emulator_config(url: str, quota: dict[str, Any] | None) -> None:
    with httpx.Client(base_url=url, timeout=10) as control:
        control.post("/_emulator/reset").raise_for_status()
        rules = {"quota": {"predictLongRunning": quota}}
        control.post("/_emulator/config", json=rules).raise_for_status()


def _post_batch(api_url: str, jobs: int, tag: str, *, distinct: bool) -> list[str]:
    with httpx.Client(base_url=api_url, timeout=60) as http:

        def post(n: int) -> str:
            idea = "a paper kite over the harbour"
            body = {"idea": f"{idea}, number {n} of {tag}" if distinct else idea}
            answer = http.post("/v1/videos", json={**body, "segments": SEGMENTS})
            if answer.status_code != 202:
                raise RuntimeError(f"POST /v1/videos: {answer.status_code} {answer.text}")
            return str(answer.json()["id"])

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(post, range(jobs)))


def _wait_final(store_url: str, ids: list[str], workers: list[Any]) -> None:
    from storyreel.db_schema import storyreel_connection

    deadline = time.monotonic() + BATCH_TIMEOUT_S
    with storyreel_connection(store_url, what="the bench's job store") as db:
        while True:
            row = db.execute(
                "SELECT count(*) FROM jobs WHERE id = ANY(%s) AND status = ANY(%s)",
                (ids, list(FINAL)),
            ).fetchone()
            if row is not None and row[0] == len(ids):
                return
            for proc in workers:
                if proc.popen.poll() is not None:
                    raise RuntimeError(f"{proc.name} exited: {proc.tail()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"jobs not final after {BATCH_TIMEOUT_S:.0f} s")
            time.sleep(0.2)


def _job_rows(store_url: str, ids: list[str]) -> list[tuple[str, float, float]]:
    """(status, created, finished) of each job, Unix time, from the store."""
    from storyreel.db_schema import storyreel_connection

    with storyreel_connection(store_url, what="the bench's job store") as db:
        rows = db.execute(
            "SELECT status, created_at, updated_at FROM jobs WHERE id = ANY(%s)", (ids,)
        ).fetchall()
    return [
        (str(s), datetime.fromisoformat(c).timestamp(), datetime.fromisoformat(u).timestamp())
        for s, c, u in rows
    ]


def _manifest_submissions(api_url: str, ids: list[str]) -> int:
    total = 0
    with httpx.Client(base_url=api_url, timeout=60) as http:
        for job_id in ids:
            manifest = http.get(f"/v1/jobs/{job_id}").json().get("manifest") or {}
            total += int(manifest.get("video_submissions", 0))
    return total


def _submit_times(state_dir: Path) -> list[float]:
    """When the emulator accepted each Veo submission (Unix time), from its state folder."""
    from storyreel.emulator import stored_operations
    from storyreel.emulator.records import RecordFolder
    from storyreel.emulator.state import OPERATIONS_FOLDER

    folder = RecordFolder(state_dir / OPERATIONS_FOLDER)
    times = []
    for name in stored_operations(state_dir):
        record = folder.read(name)
        if record is not None:
            times.append(float(record["done_at"]) - float(record["latency_s"]))
    return sorted(times)


def _busiest_window(times: list[float], per_s: float) -> int:
    """The most submits in any ``per_s``-second window (half-open, as the emulator counts)."""
    most, start = 0, 0
    for end, at in enumerate(times):
        while times[start] <= at - per_s:
            start += 1
        most = max(most, end - start + 1)
    return most


Run = dict[str, Any]  # one batch's figures and checks


def run_batch(ctx: dict[str, Any], *, tag: str, workers: int, jobs: int, quota: Any) -> Run:
    """One configuration: fresh workers, one batch of jobs, its figures and checks."""
    procs: Processes = ctx["procs"]
    _emulator_config(ctx["emulator"], quota)
    from storyreel.settings_quota import DEFAULT_VIDEO_SUBMIT_LIMITS

    # Every pattern a model matches applies: the default budgets (50 a minute for the GA
    # models) are lifted, else they would bind before the quota under test.
    lifted: dict[str, Any] = dict.fromkeys(DEFAULT_VIDEO_SUBMIT_LIMITS)
    rate_limits = {"video_submit": {**lifted, ctx["model"]: quota}}
    env = {**ctx["env"], "STORYREEL_GOOGLE__RATE_LIMITS": json.dumps(rate_limits)}
    started = procs.workers(workers, ctx["concurrency"], env, tag)
    try:
        others = [ctx["emulator_pid"], ctx["api_pid"]]
        cpu_before = [cpu_s(p.popen.pid) for p in started], [cpu_s(pid) for pid in others]
        machine_before, tree_before = machine_cpu(), tree_cpu_s(os.getpid())
        ids = _post_batch(ctx["api"], jobs, tag, distinct=ctx["distinct"])
        _wait_final(ctx["store_url"], ids, started)
        machine_after, tree_after = machine_cpu(), tree_cpu_s(os.getpid())
        cpu_after = [cpu_s(p.popen.pid) for p in started], [cpu_s(pid) for pid in others]
    finally:
        procs.stop(started)
    job_s = [float(m) for p in started for m in re.findall(r"succeeded in ([\d.]+)s", p.text())]
    rows = _job_rows(ctx["store_url"], ids)
    first, last = min(r[1] for r in rows), max(r[2] for r in rows)
    with httpx.Client(base_url=ctx["emulator"], timeout=10) as control:
        stats = control.get("/_emulator/stats").json()
    busy = machine_after[0] - machine_before[0]
    span = machine_after[1] - machine_before[1]
    wall_s = last - first
    result: dict[str, Any] = {
        "workers": workers,
        "concurrency": ctx["concurrency"],
        "jobs": jobs,
        "wall_s": wall_s,
        "jobs_per_min": 60 * jobs / wall_s,
        "succeeded": sum(1 for r in rows if r[0] == "succeeded"),
        "emulator_submissions": int(stats["video_submissions"]),
        "manifest_submissions": _manifest_submissions(ctx["api"], ids),
        "quota_429s": int(stats.get("over_quota", {}).get("predictLongRunning", 0)),
        "machine_cpu_pct": 100 * busy / span if span else 0.0,
        "worker_cpu_s": [a - b for a, b in zip(cpu_after[0], cpu_before[0], strict=True)],
        "emulator_cpu_s": cpu_after[1][0] - cpu_before[1][0],
        "api_cpu_s": cpu_after[1][1] - cpu_before[1][1],
        "bench_cpu_s": tree_after - tree_before,
        "bench_cores": (tree_after - tree_before) / wall_s,
        "task_s_mean": sum(job_s) / len(job_s) if job_s else 0.0,
        "task_s_max": max(job_s, default=0.0),
    }
    result["correct"] = (
        result["succeeded"] == jobs
        and result["emulator_submissions"] == result["manifest_submissions"] == jobs * SEGMENTS
    )
    if quota is not None:
        times = _submit_times(ctx["state_dir"])
        result["busiest_window"] = _busiest_window(times, quota["per_s"])
        result["submits_logged"] = len(times)
    return result


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from storyreel.settings import load_settings

    model = load_settings(None, config_file=None, env={}, dotenv=None).google.video_model
    per_worker = args.concurrency
    with bench_root() as root, services(root) as shared:
        procs = Processes(root)
        try:
            out = root / "output"
            state_dir = root / "emulator-state"
            base = storyreel_env(backend="offline", output_dir=str(out))
            emulator = procs.emulator(
                video_latency_s=args.video_latency, state_dir=state_dir, env=base
            )
            env = storyreel_env(
                backend="offline",
                output_dir=str(out),
                emulator__url=emulator,
                jobs__queue="celery",
                jobs__broker_url=shared.broker_url,
                jobs__store_url=shared.store_url,
                jobs__shared_output="true",  # every process is on this machine
                video__keyframes="false",
                video__duration_seconds=CLIP_SECONDS,
                video__poll_initial_s=POLL_S,
                video__poll_max_s=POLL_S,
                video__poll_fast_s=POLL_S,
                narration__enabled="false",
                reel__enabled="false",
            )
            api_url, api = procs.api(env)
            ctx: dict[str, Any] = {
                "procs": procs,
                "env": env,
                "emulator": emulator,
                "emulator_pid": procs.started[0].popen.pid,
                "api": api_url,
                "api_pid": api.popen.pid,
                "store_url": shared.store_url,
                "state_dir": state_dir,
                "concurrency": per_worker,
                "model": model,
                "distinct": args.distinct_ideas,
            }
            warm = run_batch(ctx, tag="warm-up", workers=1, jobs=2 * per_worker, quota=None)
            linear = [
                run_batch(ctx, tag=f"{n}w", workers=n, jobs=args.waves * n * per_worker, quota=None)
                for n in args.counts
            ]
            quota = {"requests": args.requests, "per_s": args.per_s}
            quota_run = run_batch(
                ctx, tag="quota", workers=max(args.counts), jobs=args.quota_jobs, quota=quota
            )
        finally:
            procs.stop_all()
    return summarise(args, model, warm, linear, quota_run)


def summarise(
    args: argparse.Namespace, model: str, warm: Run, linear: list[Run], quota_run: Run
) -> dict[str, Any]:
    one = linear[0]["jobs_per_min"]
    for run in linear:
        run["linear_ratio"] = run["jobs_per_min"] / (run["workers"] * one)
    bound = 60 * args.requests / args.per_s / SEGMENTS
    measured = quota_run["jobs_per_min"]
    quota_run["bound_jobs_per_min"] = bound
    quota_run["bound_over_measured"] = bound / measured
    free_four = linear[-1]["jobs_per_min"]
    checks = {
        "linear": all(r["linear_ratio"] >= LINEAR_TARGET for r in linear),
        "quota_binds": free_four > bound,
        "quota_rate": bound / QUOTA_TARGET <= measured <= bound,
        "quota_held": quota_run["quota_429s"] == 0 and quota_run["busiest_window"] <= args.requests,
        "correct": all(r["correct"] for r in [warm, *linear, quota_run]),
    }
    return {
        "model": model,
        "segments": SEGMENTS,
        "video_latency_s": args.video_latency,
        "concurrency_per_worker": args.concurrency,
        "warm_up": warm,
        "linear": linear,
        "quota": {"requests": args.requests, "per_s": args.per_s},
        "quota_run": quota_run,
        "checks": checks,
        "passed": all(checks.values()),
    }


def report(result: dict[str, Any]) -> None:
    q = result["quota"]
    print(
        f"{result['model']}, {result['segments']} clips a job, video latency "
        f"{result['video_latency_s']:g} s, --concurrency {result['concurrency_per_worker']}"
    )
    print(
        f"{'':10}{'jobs':>5}{'wall s':>8}{'jobs/min':>10}{'/ linear':>10}{'task s':>8}"
        f"{'cores':>7}{'host %':>8}  worker cpu s; emulator cpu s"
    )
    for run in [*result["linear"], result["quota_run"]]:
        name = "quota" if "bound_jobs_per_min" in run else f"{run['workers']} worker"
        ratio = f"{run['linear_ratio']:.3f}" if "linear_ratio" in run else ""
        cpu = " ".join(f"{s:.1f}" for s in run["worker_cpu_s"])
        print(
            f"{name:10}{run['jobs']:5d}{run['wall_s']:8.1f}{run['jobs_per_min']:10.1f}"
            f"{ratio:>10}{run['task_s_mean']:8.2f}{run['bench_cores']:7.2f}"
            f"{run['machine_cpu_pct']:8.0f}  {cpu}; {run['emulator_cpu_s']:.1f}"
        )
    run = result["quota_run"]
    print(
        f"quota {q['requests']} submits / {q['per_s']:g} s: bound "
        f"{run['bound_jobs_per_min']:.1f} jobs/min, {run['workers']} workers "
        f"{run['jobs_per_min']:.1f}; "
        f"bound / measured {run['bound_over_measured']:.3f} (target 1 to {QUOTA_TARGET}); "
        f"429s {run['quota_429s']}, busiest {q['per_s']:g} s window {run['busiest_window']} "
        f"submits (of {run['submits_logged']})"
    )
    for run in [result["warm_up"], *result["linear"], result["quota_run"]]:
        if not run["correct"]:
            print(
                f"  {run['workers']} worker(s): {run['succeeded']}/{run['jobs']} succeeded, "
                f"emulator {run['emulator_submissions']} submits, manifests "
                f"{run['manifest_submissions']}"
            )
    failed = [name for name, ok in result["checks"].items() if not ok]
    print("PASS" if result["passed"] else f"FAIL: {', '.join(failed)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--concurrency", type=int, default=2, help="jobs per worker at once")
    parser.add_argument("--waves", type=int, default=4, help="batch = waves x workers x C")
    parser.add_argument("--video-latency", type=float, default=6.0, metavar="SECONDS")
    parser.add_argument("--requests", type=int, default=6, help="quota: submits per window")
    parser.add_argument("--per-s", type=float, default=6.0, help="quota: window, seconds")
    parser.add_argument("--quota-jobs", type=int, default=24)
    parser.add_argument(
        "--distinct-ideas",
        action="store_true",
        help="a different idea per job: the emulator then encodes every clip (its CPU counts)",
    )
    parser.add_argument(
        "--counts",
        type=lambda text: [int(n) for n in text.split(",")],
        default=list(WORKER_COUNTS),
        help="worker counts, the first the reference (default 1,2,4)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if args.per_s > args.video_latency:
        parser.error("--per-s must not exceed --video-latency (see the docstring)")
    try:
        result = measure(args)
    except KeyboardInterrupt:
        print("interrupted; everything the bench started is stopped", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        report(result)
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
