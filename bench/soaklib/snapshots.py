"""The jobs' steps as the job store holds them: what a SIGKILL left behind, and the end state.

The HTTP API shows each step's status but not how many Veo submissions it made, and at a kill
there is no server to ask (the next one resumes the jobs as it starts). So these are read
through storyreel's public job-store interface (``storyreel.jobs.SqliteJobStore``, or
``PostgresJobStore`` for a run whose jobs are in a database), and only while no server runs:
just after a SIGKILL, before the restart, and after the last stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from storyreel.jobs import JobStore, PostgresJobStore, SqliteJobStore, default_store_path

StepKey = tuple[str, str]


@dataclass(frozen=True)
class StepState:
    kind: str
    status: str
    submissions: int
    job_status: str

    @property
    def submitting(self) -> bool:
        """A clip whose submit is under way (written ahead, no answer recorded yet)."""
        return self.status == "unknown" and self.job_status in ("queued", "running")


def read_steps(output: Path, store_url: str | None = None) -> dict[StepKey, StepState]:
    """Every step of every job in the store of the output folder ``output`` (or in the
    PostgreSQL database at ``store_url``), by (job id, step key), oldest job first; empty
    when there is no store yet."""
    store: JobStore
    if store_url is not None:
        store = PostgresJobStore(store_url)
    elif not default_store_path(output).exists():
        return {}
    else:
        store = SqliteJobStore.in_output_dir(output)
    try:
        return {
            (job.id, step.key): StepState(
                kind=step.kind.value,
                status=step.status.value,
                submissions=step.submissions,
                job_status=job.status.value,
            )
            for job in reversed(store.list_jobs())
            for step in store.steps(job.id)
        }
    finally:
        store.close()


def phase_of(job_id: str | None, snapshot: dict[StepKey, StepState]) -> str:
    """What a job was doing when the store was read."""
    steps = {key: state for (job, key), state in snapshot.items() if job == job_id}
    if not steps:
        return "posting"
    if "story" in steps and steps["story"].status != "succeeded":
        return "story"
    clips = {state.status for state in steps.values() if state.kind == "clip"}
    if clips & {"pending", "unknown"}:
        return "submitting"
    return "polling" if "submitted" in clips else "thumbnail"


def repaid_after_kills(
    snapshots: list[dict[StepKey, StepState]], end: dict[StepKey, StepState]
) -> int:
    """Clips that had an operation to poll when the server was killed, yet were paid for
    again afterwards: resuming must re-poll them, never submit them anew."""
    return sum(
        1
        for snapshot in snapshots
        for key, state in snapshot.items()
        if state.status == "submitted" and end[key].submissions > state.submissions
    )
