"""One job in the listing of ``GET /v1/jobs``: enough to show it in a list (a thumbnail, its
status, cost and length) without reading each job."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from storyreel.domain.timestamps import UtcTimestamp
from storyreel.jobs.models import JobRecord, JobStatus


class JobSummary(BaseModel):
    """One job in a listing."""

    id: str
    status: JobStatus
    created_at: UtcTimestamp
    idea: str
    title: str | None = None
    estimated_cost_usd: float | None = None
    duration_seconds: float | None = Field(
        default=None,
        description="The reel's length once assembled, else the seconds of video the story "
        "plans; null before the story exists.",
    )
    thumbnail: str | None = Field(
        default=None,
        description="The thumbnail's path for GET /v1/jobs/{id}/files/{path}, once the job "
        "has finished with one.",
    )


def summary(job: JobRecord) -> JobSummary:
    manifest: dict[str, Any] = job.manifest or {}
    reel = manifest.get("reel") or {}
    duration: float | None = reel.get("duration_seconds")
    if duration is None and job.story is not None:
        duration = float(job.story.total_seconds)
    thumbnail = manifest.get("thumbnail")
    return JobSummary(
        id=job.id,
        status=job.status,
        created_at=job.created_at,
        idea=job.idea,
        title=job.story.title if job.story else None,
        estimated_cost_usd=job.estimated_cost_usd,
        duration_seconds=duration,
        thumbnail=thumbnail if isinstance(thumbnail, str) else None,
    )


__all__ = ["JobSummary", "summary"]
