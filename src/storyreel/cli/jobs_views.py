"""How the job commands look without --json: live progress on stderr, a summary on stdout."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn
from rich.table import Table

from storyreel.cli.state import emit_json, stderr_console, stdout_console
from storyreel.domain.timestamps import iso_utc

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import TracebackType

    from storyreel.jobs.costs import CostEstimate
    from storyreel.jobs.journal import ProgressEvent
    from storyreel.jobs.manifest import Manifest
    from storyreel.jobs.models import JobRecord
    from storyreel.jobs.next_steps import NextSteps

_DONE = frozenset({"done", "skipped", "failed", "waiting"})
_STYLE = {
    "done": "green",
    "skipped": "green",
    "failed": "red",
    "unknown": "yellow",
    "waiting": "yellow",
    "quota": "yellow",
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
        # Story and thumbnail besides the clips; narrations and the reel add to it as they
        # show up (a job may have neither).
        self._total = clips + 2
        self._overall = self._progress.add_task("overall", total=self._total, phase="")
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
            self._rows[event.key] = self._progress.add_task(_row_name(event), total=1, phase="")
            if len(self._rows) > self._total:
                self._total = len(self._rows)
                self._progress.update(self._overall, total=self._total)
        phase = event.phase
        if phase == "quota" and event.detail:
            phase = event.detail  # e.g. "waiting for Veo quota"
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


def _row_name(event: ProgressEvent) -> str:
    if event.key == "assemble":
        return "reel"
    if event.index is None:
        return event.key
    kind = "narration" if event.key.startswith("voice") else "segment"
    kind = "keyframe" if event.key.startswith("keyframe") else kind
    return f"{kind} {event.index:02d}"


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
    parts = [f"{estimate.seconds} s of {estimate.model}"]
    if estimate.speech_seconds:
        parts.append(f"{estimate.speech_seconds:g} s of speech")
    if estimate.images:
        parts.append(f"{estimate.images} image{'s' if estimate.images > 1 else ''}")
    console.print(
        f"Estimated cost of {what}: [bold]${estimate.usd:.2f}[/] ({', '.join(parts)}){note}"
    )


def show_manifest(manifest: Manifest, folder: str, hints: Sequence[str] = ()) -> None:
    """The outcome: one row per clip, the failures, the commands that would help (``hints``,
    see :func:`next_step_lines`), where the files are, and the reel's path (last line)."""
    console = stdout_console()
    colours = {"succeeded": "green", "partial": "yellow", "failed": "red", "cancelled": "magenta"}
    colour = colours[manifest.status]
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
    if manifest.status != "succeeded":
        for hint in hints:
            console.print(escape(hint))
    console.print(f"Files are in {escape(folder)}")
    if manifest.reel is not None:
        cards = f", title cards for segments {manifest.reel.cards}" if manifest.reel.cards else ""
        reel = Path(folder) / manifest.reel.path
        console.print(f"Reel: {escape(str(reel))} ({manifest.reel.duration_seconds:.1f} s{cards})")


def next_step_lines(job: JobRecord, steps: NextSteps) -> list[str]:
    """The commands that would finish ``job``: resume only when it would still do
    something; a reshoot for each clip that failed for good (a resume never films those
    again); a new job when neither would help."""
    lines = []
    if steps.resume:
        lines.append(f"Finish it with: storyreel resume {job.id}")
    for index in steps.reshoot:
        lines.append(
            f"Film segment {index:02d} again (paid): storyreel reshoot {job.id} --segment {index}"
        )
    if not lines:
        lines.append(f"Nothing is left to resume; start a new job: storyreel make {_idea(job)}")
    return lines


def _idea(job: JobRecord) -> str:
    import shlex

    return shlex.quote(job.input.idea) if job.input.idea else "IDEA"


def show_nothing_to_resume(job: JobRecord, message: str, *, json_output: bool) -> None:
    """A resume that has nothing to do: one line; with --json the job's manifest on stdout
    (the line then goes to stderr)."""
    line = f"{message} (files in {job.out_dir})"
    if json_output and job.manifest is not None:
        emit_json(job.manifest)
        stderr_console().print(escape(line))
    else:
        stdout_console().print(escape(line))


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
        table.add_row(job.id, job.status.value, iso_utc(job.created_at), escape(job.idea))
    console.print(table)


def jobs_json(jobs: list[JobRecord]) -> list[dict[str, Any]]:
    return [job.summary() for job in jobs]
