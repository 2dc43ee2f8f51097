"""What the job API says about a job's steps waiting for a rate-limit budget."""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel

from storyreel.domain.timestamps import UtcTimestamp
from storyreel.quota import Limiter


class QuotaWait(BaseModel):
    """A step of the job waiting for a rate-limit budget (``what``, e.g. "waiting for Veo
    quota") since ``since``, in this process or another sharing the output folder. The
    wait does not count against the clip's timeout."""

    step: str | None
    what: str
    since: UtcTimestamp


def quota_waits(limiter: Limiter, job_id: str) -> list[QuotaWait]:
    """The steps of ``job_id`` waiting for budget now."""
    return [
        QuotaWait(step=wait.step, what=wait.what, since=datetime.fromtimestamp(wait.since, UTC))
        for wait in limiter.waits(job_id)
    ]


__all__ = ["QuotaWait", "quota_waits"]
