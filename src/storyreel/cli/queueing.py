"""``--queue`` of make, resume and reshoot: the job sent to the workers instead of run here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from storyreel.cli.state import emit_json, stderr_console

if TYPE_CHECKING:
    from storyreel.jobs.models import JobRecord
    from storyreel.settings import Settings
    from storyreel.workers.actions import JobAction

QUEUE_HELP = (
    "Send the job to the workers (`storyreel worker`, jobs.queue: celery) and return at once, "
    "printing its id."
)
QueueFlag = Annotated[bool, typer.Option("--queue", help=QUEUE_HELP)]


def require_queue(settings: Settings) -> None:
    """A usage error (before anything is created or paid) unless workers are configured;
    :class:`~storyreel.workers.broker.BrokerUnavailable` when their broker is down."""
    if settings.jobs.queue != "celery":
        from storyreel.errors import InputError

        raise InputError(
            "--queue sends the job to the workers, and none are configured (jobs.queue is "
            "inline): set STORYREEL_JOBS__QUEUE=celery and STORYREEL_JOBS__BROKER_URL="
            "redis://host:6379/0, or leave out --queue to run the job here"
        )
    # An output folder the workers do not reach, or a broker that is down, is said before
    # the job is created, not after.
    from storyreel.jobs.placement import check_placement
    from storyreel.workers.broker import broker_url, check_broker

    check_placement(settings)
    check_broker(broker_url(settings))


def send_to_workers(
    settings: Settings, job: JobRecord, action: JobAction, *, json_output: bool
) -> None:
    """Send ``action`` (for ``job``, queued) to the workers and say how to follow it; one
    line naming the broker, without its password, when it cannot be reached."""
    from storyreel.workers.broker import BrokerUnavailable
    from storyreel.workers.queue import JobQueue

    queue = JobQueue.from_settings(settings)
    try:
        queue.enqueue(action)
    except BrokerUnavailable as exc:
        raise BrokerUnavailable(
            f"{exc}; job {job.id} is saved as queued: `storyreel resume {job.id} --queue` "
            "sends it once the broker is back"
        ) from None
    finally:
        queue.close()
    if json_output:
        emit_json({"id": job.id, "status": "queued", "out_dir": job.out_dir})
        return
    typer.echo(job.id)
    stderr_console().print(
        f"queued for the workers: job {job.id} → {job.out_dir}\n"
        f"follow it with `storyreel jobs` or GET /v1/jobs/{job.id}",
        highlight=False,
    )


__all__ = ["QueueFlag", "require_queue", "send_to_workers"]
