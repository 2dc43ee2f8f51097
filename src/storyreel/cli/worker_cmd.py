"""``storyreel worker``: a Celery worker that runs the jobs servers and commands queue."""

from __future__ import annotations

from typing import Annotated

import typer

from storyreel.cli.state import state


def worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int | None,
        typer.Option(
            "--concurrency",
            min=1,
            max=64,
            help="Jobs this worker runs at once (default: jobs.worker_concurrency).",
        ),
    ] = None,
) -> None:
    """Run queued jobs until stopped: the worker of `jobs.queue: celery`.

    It takes jobs from the broker (jobs.broker_url), claims each in the job store
    (jobs.store_url), and resumes the jobs of workers that died. Ctrl-C or SIGTERM stops
    it; its running jobs go back to the queue for another worker.
    """
    from storyreel.workers.worker import run_worker

    cli = state(ctx)
    container = cli.container()
    code = run_worker(container, concurrency=concurrency)
    if code:
        raise typer.Exit(code)
