"""The figures of a soak, and how they are printed."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SoakResult:
    jobs: int
    segments: int
    succeeded: int
    partial: int
    failed: int
    lost_artifacts: int
    unaccounted_submissions: int
    stuck_jobs: int
    leaked_secrets: int
    peak_rss_mb: float
    restarts: int
    failures: list[dict[str, str]]
    seconds: float
    seed: int
    submissions: dict[str, int] = field(default_factory=dict)
    submissions_text: str = ""
    overcounted_at_kills: int = 0
    repaid_after_restart: int = 0
    repaid_clips: int = 0
    repaid_in_sigkill_window: int = 0
    repaid: list[str] = field(default_factory=list)
    repaid_windowed: list[str] = field(default_factory=list)
    recollect: dict[str, Any] = field(default_factory=dict)
    stops: list[dict[str, Any]] = field(default_factory=list)
    skipped_events: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    leaks_by_source: dict[str, int] = field(default_factory=dict)
    leaks_by_secret: dict[str, int] = field(default_factory=dict)
    scanned: dict[str, int] = field(default_factory=dict)
    kills: list[dict[str, Any]] = field(default_factory=list)
    manual_resumes: list[dict[str, Any]] = field(default_factory=list)
    adopted_posts: int = 0
    extra_jobs: list[str] = field(default_factory=list)
    faults_fired: dict[str, int] = field(default_factory=dict)
    faults_installed: int = 0
    faults_unfired: list[str] = field(default_factory=list)
    faults_unscheduled: list[str] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)
    workdir: str | None = None
    # Workers mode only (``workers`` is None in inline mode).
    workers: int | None = None
    workers_killed: int = 0
    taken_over: int = 0
    taken_over_jobs: list[str] = field(default_factory=list)
    not_taken_over: list[str] = field(default_factory=list)
    worker_exits: dict[str, int | None] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (
            self.lost_artifacts
            or self.unaccounted_submissions
            or self.stuck_jobs
            or self.leaked_secrets
            or self.repaid_clips
            or self.recollect.get("problem")
        )

    def text(self) -> str:
        lines = [
            f"storyreel soak: {self.jobs} jobs x {self.segments} segments, seed {self.seed}, "
            f"{self.seconds:.1f} s",
            f"jobs                     {self.jobs} (succeeded {self.succeeded}, partial "
            f"{self.partial}, failed {self.failed})",
            f"restarts                 {self.restarts} (SIGKILL / SIGSTOP past the lease; in "
            "flight at each: "
            + "; ".join(f"{k['signal']} {k['in_flight']} {k['phases']}" for k in self.kills)
            + ")",
            f"graceful stops           {len(self.stops)} (SIGTERM; "
            + "; ".join(
                f"held submit {s['held_submit']}, {s['clips_submitting']} clips unrecorded, "
                f"{s['stop_s']} s"
                for s in self.stops
            )
            + ")",
            *self._workers_lines(),
            f"manual resumes           {len(self.manual_resumes)}",
            f"lost_artifacts           {self.lost_artifacts}",
            f"unaccounted_submissions  {self.unaccounted_submissions} ({self.submissions_text})",
            f"repaid after a restart   {self.repaid_after_restart} (clips with an operation to "
            "poll at a SIGKILL, submitted again afterwards)",
            f"repaid_clips             {self.repaid_clips} (submitted again with no fault to "
            f"excuse it; in a SIGKILL/SIGSTOP window: {self.repaid_in_sigkill_window})",
            f"clip re-collection       {self.recollect.get('problem') or 'ok'} ("
            + ", ".join(f"{k} {v}" for k, v in self.recollect.items() if k != "problem")
            + ")",
            f"stuck_jobs               {self.stuck_jobs}",
            f"leaked_secrets           {self.leaked_secrets} (scanned "
            + ", ".join(f"{n} {s}" for s, n in sorted(self.scanned.items()))
            + ")",
            f"peak_rss_mb              {self.peak_rss_mb:.1f}",
            f"faults                   {self.faults_installed} rules installed, "
            f"{sum(self.faults_fired.values())} fired",
        ]
        lines += [f"  {count:3d} x {name}" for name, count in sorted(self.faults_fired.items())]
        lines += ["failures:"] + [f"  {f['job']}: {f['reason']}" for f in self.failures]
        for title, items in (
            ("lost:", self.lost),
            ("stuck:", self.stuck),
            ("repaid clips:", self.repaid),
            ("repaid clips in a SIGKILL/SIGSTOP window:", self.repaid_windowed),
            ("disruptions that found no work:", self.skipped_events),
            ("graceful stops:", [json.dumps(s) for s in self.stops]),
            ("manual resumes:", [json.dumps(r) for r in self.manual_resumes]),
            ("killed workers' jobs not taken over:", self.not_taken_over),
            ("extra jobs in the store:", self.extra_jobs),
            ("faults never met by a request:", self.faults_unfired),
            ("faults left out (too few jobs to take them):", self.faults_unscheduled),
            ("leaks by source:", [f"{s}: {n}" for s, n in self.leaks_by_source.items()]),
            ("leaks by secret:", [f"{s}: {n}" for s, n in self.leaks_by_secret.items()]),
            ("anomalies:", self.anomalies),
        ):
            if items:
                lines += [title] + [f"  {item}" for item in items]
        if self.workdir:
            lines.append(f"work folder kept: {self.workdir}")
        lines.append("OK" if self.ok else "FAILED")
        return "\n".join(lines)

    def _workers_lines(self) -> list[str]:
        if self.workers is None:
            return []
        exits = ", ".join(f"{name} {code}" for name, code in self.worker_exits.items())
        return [
            f"workers                  {self.workers} `storyreel worker` processes on PostgreSQL "
            f"and Redis (exits on SIGTERM at the end: {exits})",
            f"workers_killed           {self.workers_killed} (SIGKILL mid-job, each replaced)",
            f"taken_over               {self.taken_over} (jobs a killed worker held, finished "
            "by another worker under a new claim)",
        ] + [
            f"  {k['worker']} (pid {k['pid']}) SIGKILLed holding {len(k['jobs'])} job(s) "
            f"{k['phases']}, {k['clips_submitting']} clip(s) mid-submit; {k.get('replacement')} "
            f"ready {k.get('restart_s')} s later"
            for k in self.kills
            if k["signal"] == "WORKER"
        ]
