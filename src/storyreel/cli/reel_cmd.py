"""``storyreel assemble|reshoot``: a job's reel made again, or one of its segments filmed again."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.queueing import QueueFlag
from storyreel.cli.reel_options import AllowGaps, Music
from storyreel.cli.state import state, stderr_console

if TYPE_CHECKING:
    from storyreel.jobs.costs import CostEstimate
    from storyreel.settings import Settings

JobId = Annotated[str, typer.Argument(help="The job (see `storyreel jobs`).")]
_JSON_HELP = "Print the manifest (one JSON document) on stdout."


def assemble(
    ctx: typer.Context,
    job_id: JobId,
    music: Music = None,
    no_captions: Annotated[
        bool, typer.Option("--no-captions", help="No captions: none burned in, no .srt/.vtt.")
    ] = False,
    transition: Annotated[
        float | None,
        typer.Option(
            "--transition",
            metavar="S",
            min=0.0,
            max=2.0,
            help="Crossfade between clips, in seconds (0: hard cuts; reel.transition_s).",
        ),
    ] = None,
    allow_gaps: AllowGaps = False,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Assemble a job's reel again from its clips and narrations, with other choices.

    Offline work: no paid call. Rewrites DIR/reel.mp4 (and its captions) and the manifest.
    Exit status as for `make`.
    """
    from storyreel.cli.jobs_cmd import _finish, _run
    from storyreel.jobs.assembly import ReelOptions

    cli = state(ctx)
    container = cli.container()
    reels = container.reel_jobs()
    options = ReelOptions(
        music=music.expanduser().resolve() if music is not None else None,
        captions=False if no_captions else None,
        transition_s=transition,
        allow_gaps=True if allow_gaps else None,
    )
    # Every check (job idle, clips there, music audio, folder writable) before any work.
    job = reels.check_assembly(job_id, options)
    manifest = _run(
        container,
        job_id,
        0,
        lambda progress: reels.reassemble(job_id, options=options, progress=progress),
    )
    _finish(manifest, job.out_dir, json_output, container, cli.settings())


def reshoot(
    ctx: typer.Context,
    job_id: JobId,
    segment: Annotated[
        int, typer.Option("--segment", "-s", min=1, help="The segment to film again (1, 2, …).")
    ],
    prompt: Annotated[
        str | None,
        typer.Option("--prompt", help="A new visual prompt for it (default: the story's)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before paying.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
    queue: QueueFlag = False,
) -> None:
    """Film one segment again (a clip blocked by safety filters, or one you do not like),
    then assemble the reel again.

    One paid clip, counted in the manifest's video_submissions; its cost is shown and
    confirmed first (--yes skips the question; offline nothing is billed or asked).
    Exit status as for `make`.
    """
    from storyreel.cli.jobs_cmd import _finish, _run

    cli = state(ctx)
    if queue:
        from storyreel.cli.queueing import require_queue

        require_queue(cli.settings())
    cli.settings().require_credentials("google")
    container = cli.container()
    reels = container.reel_jobs()
    job = reels.check_reshoot(job_id, segment, prompt=prompt)
    cost = reels.reshoot_cost(job_id, segment, prompt=prompt)
    _confirm(cost, cli.settings(), yes, segment=segment)
    if queue:
        from storyreel.cli.queueing import send_to_workers
        from storyreel.jobs.resuming import requeue
        from storyreel.workers.actions import JobAction

        lease_s = cli.settings().jobs.lease_s
        job = requeue(
            container.job_store(), job, container.job_owner(), lease_s=lease_s, only_idle=True
        )
        action = JobAction(
            kind="reshoot", job_id=job_id, fence=job.fence, index=segment, prompt=prompt
        )
        send_to_workers(cli.settings(), job, action, json_output=json_output)
        return
    manifest = _run(
        container,
        job_id,
        1,
        lambda progress: reels.reshoot(job_id, segment, prompt=prompt, progress=progress),
    )
    _finish(manifest, job.out_dir, json_output, container, cli.settings())


def _confirm(estimate: CostEstimate, settings: Settings, yes: bool, *, segment: int) -> None:
    """Show what filming the segment again costs and ask, unless --yes or offline."""
    from storyreel.cli.jobs_views import show_estimate
    from storyreel.errors import InputError

    offline = settings.backend == "offline"
    show_estimate(estimate, offline=offline, what=f"filming segment {segment:02d} again")
    if offline or yes:
        return
    amount = "an unknown amount" if estimate.usd is None else f"${estimate.usd:.2f}"
    if not sys.stdin.isatty():
        raise InputError(
            f"filming segment {segment} again costs {amount} and there is no terminal to ask: "
            "pass --yes to go ahead"
        )
    if not typer.confirm(f"Spend {amount} on filming it again?", default=False, err=True):
        stderr_console().print("Nothing was submitted.")
        raise typer.Exit(1)


__all__ = ["assemble", "reshoot"]
