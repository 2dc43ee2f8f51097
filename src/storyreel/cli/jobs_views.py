"""How the job commands look without --json: live progress on stderr, a summary on stdout."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from storyreel.cli.state import stderr_console, stdout_console

if TYPE_CHECKING:
    from types import TracebackType

    from storyreel.jobs.costs import CostEstimate
    from storyreel.jobs.journal import ProgressEvent
    from storyreel.jobs.manifest import Manifest
    from storyreel.jobs.models import JobRecord

_DONE = frozenset({"done", "skipped", "failed", "waiting"})
_STYLE = {
    "done": "green",
    "skipped": "green",
    "failed": "red",
    "unknown": "yellow",
    "waiting": "yellow",
}


class JobProgress:
    """A Rich progress display: a row per step (its phase) and an overall bar.

    Use as a context manager; pass :meth:`update` as the runner's progress callback.
    """

    def __init__(self, clips: int) -> None:
        self._progress = Progress(
            SpinnerColumn(finished_text="•"),
            TextColumn("{task.description:<12}"),
            BarColumn(bar_width=24),
            TextColumn("{task.fields[phase]}"),
            console=stderr_console(),
            transient=False,
        )
        self._overall = self._progress.add_task("overall", total=clips + 2, phase="")
        self._rows: dict[str, TaskID] = {}
        self._finished: set[str] = set()

    def __enter__(self) -> JobProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, event: ProgressEvent) -> None:
        """Show one progress event."""
        if event.key not in self._rows:
            name = f"segment {event.index:02d}" if event.index is not None else event.key
            self._rows[event.key] = self._progress.add_task(name, total=1, phase="")
        phase = event.phase
        if phase == "polling" and event.polls:
            phase = f"polling ({event.polls} poll{'s' if event.polls > 1 else ''})"
        style = _STYLE.get(event.phase)
        text = f"[{style}]{escape(phase)}[/]" if style else escape(phase)
        if event.phase in ("failed", "unknown", "retrying", "waiting") and event.detail:
            text += f" [dim]{escape(_short(event.detail))}[/]"
        row = self._rows[event.key]
        made = event.phase in ("done", "skipped")
        self._progress.update(row, phase=text, completed=1 if made else 0)
        if event.phase in _DONE and event.key not in self._finished:
            self._finished.add(event.key)
            self._progress.advance(self._overall)
        if event.key == "story" and event.phase in ("done", "skipped"):
            self._progress.update(self._overall, phase=escape(_short(event.detail, 60)))


def _short(text: str, limit: int = 90) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def show_estimate(estimate: CostEstimate, *, offline: bool, what: str) -> None:
    """The cost estimate line, on stderr (stdout stays for the result)."""
    console = stderr_console()
    if estimate.usd is None:
        console.print(
            f"Estimated cost of {what}: unknown — no price for {estimate.model} in "
            f"video.price_per_second_usd ({estimate.seconds} s of video)"
        )
        return
    note = " [dim](offline: nothing is billed)[/]" if offline else ""
    console.print(
        f"Estimated cost of {what}: [bold]${estimate.usd:.2f}[/] "
        f"({estimate.seconds} s of {estimate.model}){note}"
    )


def show_manifest(manifest: Manifest, folder: str) -> None:
    """The outcome: one row per clip, the failures, and where the files are (last line)."""
    console = stdout_console()
    colour = {"succeeded": "green", "partial": "yellow", "failed": "red"}[manifest.status]
    title = f" — {escape(manifest.title)}" if manifest.title else ""
    console.print(f"[bold {colour}]{manifest.status}[/]{title}")
    if manifest.clips:
        table = Table("segment", "status", "seconds", "file")
        for clip in manifest.clips:
            table.add_row(
                f"{clip.index:02d}", clip.status, str(clip.duration_seconds), clip.path or "—"
            )
        console.print(table)
    for failure in manifest.failures:
        console.print(f"[red]•[/] {escape(failure.step)}: {escape(failure.reason)}")
    cost = (
        "unknown" if manifest.estimated_cost_usd is None else f"${manifest.estimated_cost_usd:.2f}"
    )
    console.print(
        f"thumbnail: {manifest.thumbnail or '—'} · video submissions: "
        f"{manifest.video_submissions} · estimated cost: {cost} · tokens: "
        f"{manifest.usage.prompt_tokens} + {manifest.usage.completion_tokens}"
    )
    if manifest.status != "succeeded" and manifest.job_id:
        console.print(f"Finish it with: storyreel resume {manifest.job_id}")
    console.print(f"Files are in {escape(folder)}")


def show_jobs(jobs: list[JobRecord]) -> None:
    """A table of jobs, newest first."""
    console = stdout_console()
    if not jobs:
        console.print("No jobs yet: `storyreel make IDEA` starts one.")
        return
    table = Table()
    # Ids are copied into `storyreel resume`: never wrap or cut them.
    table.add_column("id", no_wrap=True, min_width=22)
    table.add_column("status", no_wrap=True)
    table.add_column("created", no_wrap=True)
    table.add_column("idea")
    for job in jobs:
        table.add_row(
            job.id, job.status.value, f"{job.created_at:%Y-%m-%d %H:%M:%S}", escape(job.idea)
        )
    console.print(table)


def jobs_json(jobs: list[JobRecord]) -> list[dict[str, Any]]:
    return [job.summary() for job in jobs]
