"""``storyreel make|jobs|resume``: the whole pipeline as a durable, resumable job."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.options import CharacterFiles, Segments, Style
from storyreel.cli.queueing import QueueFlag
from storyreel.cli.reel_options import AllowGaps, Music, NoNarration, NoReel
from storyreel.cli.spending import YES_HELP, confirm_spending
from storyreel.cli.state import emit_json, run_then_close, state, stderr_console
from storyreel.domain.limits import DEFAULT_SEGMENTS

if TYPE_CHECKING:
    from storyreel.containers import Container
    from storyreel.jobs.costs import CostEstimate
    from storyreel.jobs.journal import ProgressCallback
    from storyreel.jobs.manifest import Manifest
    from storyreel.settings import Settings

# Exit statuses of make and resume, by the job's outcome.
# A cancelled job was stopped on request (DELETE /v1/jobs/{id}), not failed: it has a code
# of its own, and `storyreel resume` continues it.
EXIT_CODES = {"succeeded": 0, "failed": 1, "partial": 3, "cancelled": 4}
EXIT_INTERRUPTED = 130

_JSON_HELP = "Print the manifest (one JSON document) on stdout."


def make(
    ctx: typer.Context,
    idea: Annotated[
        str | None, typer.Argument(help="What the video is about (or give --story FILE).")
    ] = None,
    segments: Segments = DEFAULT_SEGMENTS,
    style: Style = None,
    characters: CharacterFiles = None,
    story_file: Annotated[
        Path | None,
        typer.Option(
            "--story",
            metavar="FILE",
            help="Film this story instead of writing one: JSON as `storyreel story --json` "
            "prints it (edit it first if you like).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Folder for the results (default: <output_dir>/<job>)."),
    ] = None,
    no_reel: NoReel = False,
    no_narration: NoNarration = False,
    music: Music = None,
    allow_gaps: AllowGaps = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=YES_HELP)] = False,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
    queue: QueueFlag = False,
) -> None:
    """Make the video: story, one clip per segment, narration, thumbnail, and the reel that
    joins them — as a resumable job.

    Writes DIR/story.json, DIR/clips/segment-NN.mp4, DIR/audio/segment-NN.wav,
    DIR/thumbnail.png, DIR/reel.mp4 (with DIR/reel.srt and DIR/reel.vtt) and DIR/manifest.json.
    With --story FILE no story is written: the one in FILE is filmed as it is.
    Ctrl-C (or a crash) loses nothing: `storyreel resume JOB_ID` finishes the job without
    paying twice for a clip. Exit status: 0 succeeded, 3 partial, 1 failed, 4 cancelled,
    130 interrupted.
    """
    from storyreel.cli.characters_file import load_cast
    from storyreel.cli.reel_options import make_choices
    from storyreel.cli.story_file import story_or_idea
    from storyreel.jobs.folders import prepare_out_dir

    story = story_or_idea(ctx, idea, story_file)
    cast, references = load_cast(characters or [])
    cli = state(ctx)
    if queue:
        from storyreel.cli.queueing import require_queue

        require_queue(cli.settings())
    # Filming calls Google, writing the story OpenRouter: a missing key is named now.
    cli.settings().require_credentials("google", *(() if story else ("openrouter",)))
    if out is not None:
        prepare_out_dir(out)  # an unwritable folder is reported before the cost is shown
    container = cli.container()
    runner = container.job_runner()

    def approve(cost: CostEstimate) -> None:
        confirm_spending(cost, cli.settings(), yes, what="the clips")

    reel = make_choices(
        cli.settings(),
        no_reel=no_reel,
        no_narration=no_narration,
        music=music,
        allow_gaps=allow_gaps,
        references=references,
    )
    # Music (or a reference image) that is missing or not audio is refused before the cost is shown.
    if story is not None:
        job = runner.create_from_story(story, out_dir=out, reel=reel, approve=approve)
    else:
        # The runner checks the input, then asks before the job exists.
        job = runner.create(
            idea or "",
            segments=segments,
            style=style,
            characters=cast,
            out_dir=out,
            approve=approve,
            reel=reel,
        )
    if queue:
        from storyreel.cli.queueing import send_to_workers
        from storyreel.workers.actions import JobAction

        action = JobAction(kind="run", job_id=job.id, fence=job.fence)
        send_to_workers(cli.settings(), job, action, json_output=json_output)
        return
    clips = len(story.segments) if story is not None else segments
    stderr_console().print(f"job {job.id} → {job.out_dir}")
    manifest = _run(
        container, job.id, clips, lambda progress: runner.run(job.id, progress=progress)
    )
    _finish(manifest, job.out_dir, json_output, container, cli.settings())


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
    yes: Annotated[bool, typer.Option("--yes", "-y", help=YES_HELP)] = False,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
    queue: QueueFlag = False,
) -> None:
    """Finish a job: re-poll submitted clips, make only what never started.

    Submitted clips are collected, never submitted again. Exit status as for `make`; a job
    that has already succeeded (its files all there) is one line and exit 0, nothing redone.
    """
    from storyreel.cli.jobs_views import show_nothing_to_resume
    from storyreel.jobs.resuming import NothingToResume

    cli = state(ctx)
    if queue:
        from storyreel.cli.queueing import require_queue

        require_queue(cli.settings())
    container = cli.container()
    runner = container.job_runner()
    try:
        job = runner.check_resumable(job_id)
    except NothingToResume as done:
        show_nothing_to_resume(runner.get(job_id).job, str(done), json_output=json_output)
        cli.close()
        return
    # Filming calls Google; a job without its story yet calls OpenRouter first.
    cli.settings().require_credentials("google", *(() if job.story else ("openrouter",)))
    remaining = runner.remaining_cost(job_id)
    if remaining.billed:
        confirm_spending(remaining, cli.settings(), yes, what="what is left")
    if queue:
        from storyreel.cli.queueing import send_to_workers
        from storyreel.workers.actions import JobAction

        job = runner.requeue(job_id)
        action = JobAction(kind="resume", job_id=job_id, fence=job.fence)
        send_to_workers(cli.settings(), job, action, json_output=json_output)
        return
    clips = len(job.story.segments) if job.story else job.input.segments or 0
    manifest = _run(
        container, job_id, clips, lambda progress: runner.resume(job_id, progress=progress)
    )
    _finish(manifest, job.out_dir, json_output, container, cli.settings())


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


def _finish(
    manifest: Manifest, folder: str, json_output: bool, container: Container, settings: Settings
) -> None:
    from storyreel.cli.jobs_views import next_step_lines, show_manifest
    from storyreel.jobs.next_steps import next_steps

    if json_output:
        emit_json(manifest.to_json())
    else:
        hints: list[str] = []
        if manifest.job_id and manifest.status != "succeeded":
            # The run closed the store; this opens it again, until the command closes.
            view = container.job_runner().get(manifest.job_id)
            hints = next_step_lines(view.job, next_steps(view.job, view.steps, settings))
        show_manifest(manifest, folder, hints)
    code = EXIT_CODES[manifest.status]
    if code:
        raise typer.Exit(code)
