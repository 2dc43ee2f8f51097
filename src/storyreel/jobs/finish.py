"""A job's end: its final state recorded from its steps, and its manifest written."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from storyreel.jobs.manifest import MANIFEST_FILENAME, Manifest, build_manifest, write_manifest
from storyreel.jobs.models import JobStatus
from storyreel.jobs.reel_manifest import ReelEntry, previous_reel
from storyreel.jobs.store import JobStore, Lease
from storyreel.settings import Settings

logger = logging.getLogger(__name__)


def finish_job(
    store: JobStore,
    settings: Settings,
    job_id: str,
    reasons: Sequence[str],
    *,
    lease: Lease | None = None,
    reel: ReelEntry | None = None,
) -> Manifest:
    """Record a job's final state from its steps, and write its ``manifest.json``. ``reel``
    is the entry of a reel just assembled; without one, the last manifest's stands for as
    long as the assemble step stays done."""
    job = store.get(job_id)
    folder = Path(job.out_dir)
    manifest = build_manifest(
        job_id=job_id,
        story=job.story,
        steps=store.steps(job_id),
        settings=settings,
        usage=job.usage,
        reasons=reasons,
        folder=folder,
        reel=reel or previous_reel(job.manifest),
    )
    try:
        write_manifest(folder, manifest)
    except OSError as exc:
        logger.error("job %s: cannot write %s: %s", job_id, MANIFEST_FILENAME, exc)
    store.update(
        job_id,
        lease=lease,
        status=JobStatus(manifest.status),
        reasons=[f"{failure.step}: {failure.reason}" for failure in manifest.failures],
        manifest=manifest.to_json(),
        estimated_cost_usd=manifest.estimated_cost_usd or job.estimated_cost_usd,
    )
    level = logging.INFO if manifest.status == "succeeded" else logging.WARNING
    logger.log(
        level,
        "job %s %s: %d clip(s), %d submission(s)%s%s",
        job_id,
        manifest.status,
        len(manifest.clips),
        manifest.video_submissions,
        f", reel {manifest.reel.path}" if manifest.reel else "",
        "".join(f"; {failure.step}: {failure.reason}" for failure in manifest.failures),
    )
    return manifest


__all__ = ["finish_job"]
