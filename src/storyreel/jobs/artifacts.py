"""What a job says it made, checked against the disk before it is trusted again."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

from storyreel.files import is_mp4, sniff_image_type
from storyreel.jobs.models import JobStatus, StepKind, StepRecord, StepStatus
from storyreel.jobs.store import JobStore

logger = logging.getLogger(__name__)


def recheck_artifacts(store: JobStore, job_id: str) -> list[str]:
    """Reopen every step whose file is gone or not a valid file of its kind (a clip, the
    thumbnail, a narration's WAV, the reel), and return their keys: a clip whose operation
    is recorded goes back to ``submitted`` (collected again, not paid again); anything else
    becomes ``failed`` with the reason, for a resume to make again. A job that
    said ``succeeded`` says ``partial`` from then on, until a resume makes it whole."""
    job = store.get(job_id)
    reopened = []
    for step in missing_artifacts(Path(job.out_dir), store.steps(job_id)):
        missing = f"{step.artifact} is missing or damaged"
        if step.kind is StepKind.CLIP and step.operation:
            again = step.but(status=StepStatus.SUBMITTED, error=f"{missing}; collecting it again")
        else:
            again = step.but(status=StepStatus.FAILED, error=missing)
        store.save_step(job_id, again)
        logger.warning("job %s: %s", job_id, again.error)
        reopened.append(step.key)
    if reopened and job.status is JobStatus.SUCCEEDED:
        store.update(job_id, status=JobStatus.PARTIAL, reasons=[f"{k}: missing" for k in reopened])
    return reopened


def missing_artifacts(folder: Path, steps: Iterable[StepRecord]) -> list[StepRecord]:
    """The succeeded steps whose file in ``folder`` is gone or not a valid file of its
    kind. Reads only: what a status answer reports without touching the job."""
    return [
        step
        for step in steps
        if _made_here(step) and not _valid(folder / str(step.artifact), step.kind)
    ]


def _made_here(step: StepRecord) -> bool:
    # A clip kept in Cloud Storage (gs://...) is not in the folder to check.
    return (
        step.status is StepStatus.SUCCEEDED
        and step.kind is not StepKind.STORY
        and bool(step.artifact)
        and "://" not in str(step.artifact)
    )


def _valid(path: Path, kind: StepKind) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError:
        return False
    if kind is StepKind.VOICE:
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if kind in (StepKind.CLIP, StepKind.ASSEMBLE):
        return is_mp4(head)
    return sniff_image_type(head) is not None
