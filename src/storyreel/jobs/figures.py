"""The figures an operator watches, read from the job store at the moment they are asked for:
the same for ``GET /metrics`` and ``storyreel stats``, and they survive restarts."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from storyreel.jobs.activity import ActivityLog, Shape
from storyreel.jobs.models import JobStatus, StepKind, StepStatus
from storyreel.jobs.op_times import learned_time
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings


@dataclass(frozen=True)
class Learned:
    """The operation time learned for one shape of clip, from ``samples`` operations."""

    shape: Shape
    expected_s: float
    samples: int


@dataclass(frozen=True)
class Figures:
    """Everything ``/metrics`` and ``storyreel stats`` show.

    ``clips``: submitted (paid submits that may have reached Google), succeeded, failed and
    repaid (submits beyond a clip's first). ``provider_calls``: ``(client, kind, error,
    calls)`` with error "" for successes. ``operation_s``: per model, seconds from submit to
    the poll that found each watched operation done. ``polls``: polls spent on each operation.
    """

    jobs: dict[str, int]
    clips: dict[str, int]
    provider_calls: list[tuple[str, str, str, int]]
    quota_waits: list[tuple[str, int, float]]
    operation_s: dict[str, list[float]]
    polls: list[int]
    assembly_s: list[float]
    estimated_spend_usd: float
    learned: list[Learned]

    def to_json(self) -> dict[str, Any]:
        """The figures as ``storyreel stats --json`` prints them."""
        calls: dict[str, dict[str, dict[str, Any]]] = {}
        for client, kind, error, count in self.provider_calls:
            entry = calls.setdefault(client, {}).setdefault(kind, {"calls": 0, "errors": {}})
            entry["calls"] += count
            if error:
                entry["errors"][error] = count
        return {
            "jobs": self.jobs,
            "clips": self.clips,
            "provider_calls": calls,
            "quota_waits": {
                kind: {"waits": waits, "seconds": round(seconds, 3)}
                for kind, waits, seconds in self.quota_waits
            },
            "operations": {
                model: {"count": len(times), "seconds_sum": round(sum(times), 3)}
                for model, times in self.operation_s.items()
            },
            "polls": {"operations": len(self.polls), "polls": sum(self.polls)},
            "reel_assembly": {
                "count": len(self.assembly_s),
                "seconds_sum": round(sum(self.assembly_s), 3),
            },
            "estimated_spend_usd": round(self.estimated_spend_usd, 6),
            "learned_operation_s": [
                {
                    "model": item.shape.model,
                    "resolution": item.shape.resolution,
                    "duration_s": item.shape.duration_s,
                    "expected_s": round(item.expected_s, 3),
                    "samples": item.samples,
                }
                for item in self.learned
            ],
        }


def gather(store: JobStore, log: ActivityLog, settings: Settings) -> Figures:
    """Read every figure from ``store`` and its activity ``log`` now."""
    jobs = store.list_jobs()
    by_status = Counter(job.status.value for job in jobs)
    clips = Counter({"submitted": 0, "succeeded": 0, "failed": 0, "repaid": 0})
    for job in jobs:
        for step in store.steps(job.id):
            if step.kind is not StepKind.CLIP:
                continue
            clips["submitted"] += step.submissions
            clips["repaid"] += max(step.submissions - 1, 0)
            if step.status in (StepStatus.SUCCEEDED, StepStatus.FAILED):
                clips[step.status.value] += 1
    operations = log.operations()
    operation_s: dict[str, list[float]] = {}
    shapes: dict[Shape, int] = Counter()
    for row in operations:
        if row.outcome == "succeeded" and row.done_s is not None:
            operation_s.setdefault(row.shape.model, []).append(row.done_s)
            shapes[row.shape] += 1
    learned = []
    for shape in sorted(shapes, key=lambda s: (s.model, s.resolution, s.duration_s)):
        found = learned_time(log, shape, settings)
        if found is not None:
            learned.append(Learned(shape, found.expected_s, found.samples))
    return Figures(
        jobs={status.value: by_status.get(status.value, 0) for status in JobStatus},
        clips=dict(clips),
        provider_calls=log.provider_calls(),
        quota_waits=log.quota_waits(),
        operation_s=operation_s,
        polls=[row.polls for row in operations if row.outcome is not None],
        assembly_s=log.assemblies(),
        estimated_spend_usd=sum(job.estimated_cost_usd or 0.0 for job in jobs),
        learned=learned,
    )


def folder_figures(settings: Settings) -> Figures:
    """The figures of the job store of ``settings``: its PostgreSQL database when
    ``jobs.store_url`` is set, else ``output_dir``'s file, read only (a folder this process
    cannot write is read too); all zero when the folder holds no job store."""
    from storyreel.jobs.sqlite import SqliteJobStore, default_store_path

    store: JobStore
    url = settings.jobs.store_url
    if url is not None:
        from storyreel.jobs.postgres import PostgresJobStore

        store = PostgresJobStore(url.get_secret_value())
    elif default_store_path(settings.output_dir).is_file():
        store = SqliteJobStore(default_store_path(settings.output_dir), read_only=True)
    else:
        empty = dict.fromkeys(("submitted", "succeeded", "failed", "repaid"), 0)
        jobs = dict.fromkeys((status.value for status in JobStatus), 0)
        return Figures(jobs, empty, [], [], {}, [], [], 0.0, [])
    log = ActivityLog.of_settings(settings, read_only=True)
    try:
        return gather(store, log, settings)
    finally:
        log.close()
        store.close()


__all__ = ["Figures", "Learned", "folder_figures", "gather"]
