"""``storyreel make|jobs|resume``: the whole pipeline as a durable, resumable job."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.options import CharacterFiles, Segments, Style
from storyreel.cli.state import emit_json, run_then_close, state, stderr_console
from storyreel.domain.limits import DEFAULT_SEGMENTS

if TYPE_CHECKING:
    from storyreel.containers import Container
    from storyreel.jobs.costs import CostEstimate
    from storyreel.jobs.journal import ProgressCallback
    from storyreel.jobs.manifest import Manifest
    from storyreel.settings import Settings

# Exit statuses of make and resume, by the job's outcome.
EXIT_CODES = {"succeeded": 0, "failed": 1, "partial": 3}
EXIT_INTERRUPTED = 130

_JSON_HELP = "Print the manifest (one JSON document) on stdout."
_YES_HELP = "Do not ask before spending more than video.confirm_above_usd."


def make(
    ctx: typer.Context,
    idea: Annotated[str, typer.Argument(help="What the video is about.")],
    segments: Segments = DEFAULT_SEGMENTS,
    style: Style = None,
    characters: CharacterFiles = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for the results (default: <output_dir>/<job>)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=_YES_HELP)] = False,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Make the video: story, one clip per segment, thumbnail — as a resumable job.

    Writes DIR/story.json, DIR/clips/segment-NN.mp4, DIR/thumbnail.png and DIR/manifest.json.
    Ctrl-C (or a crash) loses nothing: `storyreel resume JOB_ID` finishes the job without
    paying twice for a clip. Exit status: 0 succeeded, 3 partial, 1 failed, 130 interrupted.
    """
    from storyreel.cli.characters_file import load_characters
    from storyreel.jobs.folders import prepare_out_dir

    cast = load_characters(characters or [])
    cli = state(ctx)
    if out is not None:
        prepare_out_dir(out)  # an unwritable folder is reported before the cost is shown
    container = cli.container()
    runner = container.job_runner()
    # The runner checks the input, then asks before the job exists.
    job = runner.create(
        idea,
        segments=segments,
        style=style,
        characters=cast,
        out_dir=out,
        approve=lambda cost: _confirm(cost, cli.settings(), yes, what="the clips"),
    )
    stderr_console().print(f"job {job.id} → {job.out_dir}")
    manifest = _run(
        container, job.id, segments, lambda progress: runner.run(job.id, progress=progress)
    )
    _finish(manifest, job.out_dir, json_output)


def jobs(
    ctx: typer.Context,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print a JSON list of {id, status, created_at, idea}.")
    ] = False,
) -> None:
    """List the jobs of output_dir, newest first."""
    from storyreel.cli.jobs_views import jobs_json, show_jobs

    found = state(ctx).container().job_listing()
    if json_output:
        emit_json(jobs_json(found))
    else:
        show_jobs(found)


def resume(
    ctx: typer.Context,
    job_id: Annotated[str, typer.Argument(help="The job to finish (see `storyreel jobs`).")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help=_YES_HELP)] = False,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Finish a job: re-poll submitted clips, make only what never started.

    Submitted clips are collected, never submitted again. Exit status as for `make`.
    """
    cli = state(ctx)
    container = cli.container()
    runner = container.job_runner()
    job = runner.get(job_id).job
    remaining = runner.remaining_cost(job_id)
    if remaining.seconds:
        _confirm(remaining, cli.settings(), yes, what="what is left")
    clips = len(job.story.segments) if job.story else job.input.segments or 0
    manifest = _run(
        container, job_id, clips, lambda progress: runner.resume(job_id, progress=progress)
    )
    _finish(manifest, job.out_dir, json_output)


def _confirm(estimate: CostEstimate, settings: Settings, yes: bool, *, what: str) -> None:
    """Print the estimate; above video.confirm_above_usd (or unknown) ask, unless --yes."""
    from storyreel.cli.jobs_views import show_estimate
    from storyreel.errors import InputError

    show_estimate(estimate, offline=settings.backend == "offline", what=what)
    limit = settings.video.confirm_above_usd
    if yes or (estimate.usd is not None and estimate.usd <= limit):
        return
    amount = "an unknown amount" if estimate.usd is None else f"${estimate.usd:.2f}"
    if not sys.stdin.isatty():
        raise InputError(
            f"the estimated cost ({amount}) is above video.confirm_above_usd "
            f"(${limit:.2f}) and there is no terminal to ask: pass --yes to go ahead"
        )
    if not typer.confirm(f"Spend {amount} on video generation?", default=False, err=True):
        stderr_console().print("Nothing was submitted.")
        raise typer.Exit(1)


def _run(
    container: Container,
    job_id: str,
    clips: int,
    start: Callable[[ProgressCallback], Awaitable[Manifest]],
) -> Manifest:
    """Run the job with a live display; Ctrl-C leaves it resumable and exits 130."""
    from storyreel.cli.jobs_views import JobProgress

    async def main() -> Manifest:
        with JobProgress(clips) as display:
            return await start(display.update)

    try:
        return run_then_close(container, main)
    except KeyboardInterrupt:
        stderr_console().print(
            f"Interrupted. Job {job_id} is saved; finish it with: storyreel resume {job_id}"
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None


def _finish(manifest: Manifest, folder: str, json_output: bool) -> None:
    from storyreel.cli.jobs_views import show_manifest

    if json_output:
        emit_json(manifest.to_json())
    else:
        show_manifest(manifest, folder)
    code = EXIT_CODES[manifest.status]
    if code:
        raise typer.Exit(code)
