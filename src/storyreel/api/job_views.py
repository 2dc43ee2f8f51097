"""Bodies, answers and helpers of the job routes, and which files of a job may be downloaded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import Response

from storyreel.api.fields import Characters, Duration, Segments, Style, Text
from storyreel.api.problems import not_found
from storyreel.domain.story import Story, Usage
from storyreel.errors import JobError
from storyreel.jobs.artifacts import missing_artifacts
from storyreel.jobs.manifest import MANIFEST_FILENAME, STORY_FILENAME, Manifest
from storyreel.jobs.models import JobRecord, JobStatus, JobView, StepStatus
from storyreel.jobs.runner import JobRunner

MEDIA_TYPES = {".mp4": "video/mp4", ".png": "image/png", ".json": "application/json"}
_IDEA_OPTIONS = ("segments", "style", "characters", "duration_seconds")


class VideoBody(BaseModel):
    """A video job: an ``idea`` (with the story options) or a ready ``story``."""

    model_config = ConfigDict(extra="forbid")

    idea: Text | None = None
    segments: Segments | None = None
    style: Style = None
    characters: Characters = Field(default_factory=list)
    duration_seconds: Duration = None
    story: Story | None = None

    @model_validator(mode="after")
    def _idea_or_story(self) -> VideoBody:
        if (self.idea is None) == (self.story is None):
            raise ValueError("give either 'idea' or 'story', not both or neither")
        if self.story is not None:
            given = [name for name in _IDEA_OPTIONS if name in self.model_fields_set]
            if given:
                raise ValueError(f"{', '.join(given)} apply to an idea, not to a story")
        return self


class JobAccepted(BaseModel):
    """A job that was created or restarted; poll ``location``."""

    id: str
    status: JobStatus
    location: str


class JobSummary(BaseModel):
    """One job in a listing."""

    id: str
    status: JobStatus
    created_at: datetime
    idea: str


class StepProgress(BaseModel):
    key: str
    index: int | None
    status: StepStatus
    error: str | None


class Progress(BaseModel):
    """Per-step status: the story, one clip per segment, the thumbnail."""

    steps: list[StepProgress]
    clips_total: int
    clips_done: int
    video_submissions: int


class JobDetail(BaseModel):
    """A job: its status, per-segment progress, downloadable files, and the manifest once
    it has finished (``succeeded``, ``partial`` or ``failed``)."""

    id: str
    status: JobStatus
    created_at: datetime
    updated_at: datetime
    idea: str
    title: str | None
    cancel_requested: bool
    running_here: bool
    estimated_cost_usd: float | None
    usage: Usage
    reasons: list[str]
    progress: Progress
    files: list[str]
    missing: list[str] = Field(
        description="Steps whose file is gone or damaged on disk; a job that finished "
        "'succeeded' then reads 'partial' until a resume collects or reports them."
    )
    manifest: Manifest | None


def find(runner: JobRunner, job_id: str) -> JobView:
    """The job, or a 404 problem."""
    try:
        return runner.get(job_id)
    except JobError:
        raise not_found(f"there is no job {job_id!r}") from None


def work(call: Callable[[str], Awaitable[Any]], job_id: str) -> Callable[[], Awaitable[Any]]:
    """``call(job_id)`` as a task body for :class:`~storyreel.jobs.tasks.JobTasks`."""

    async def run() -> Any:
        return await call(job_id)

    return run


def accepted(request: Request, response: Response, job_id: str, status: JobStatus) -> JobAccepted:
    """The 202 answer for a job started in the background, with its ``Location``."""
    location = str(request.url_for("storyreel_get_job", job_id=job_id))
    response.headers["Location"] = location
    return JobAccepted(id=job_id, status=status, location=location)


def summary(job: JobRecord) -> JobSummary:
    return JobSummary(id=job.id, status=job.status, created_at=job.created_at, idea=job.idea)


def detail(view: JobView, *, running_here: bool) -> JobDetail:
    job = view.job
    manifest: Any = job.manifest if job.final else None
    missing = [step.key for step in missing_artifacts(Path(job.out_dir), view.steps)]
    status, reasons = job.status, list(job.reasons)
    if missing and status is JobStatus.SUCCEEDED:
        status = JobStatus.PARTIAL
        reasons += [f"{key}: missing" for key in missing]
    return JobDetail(
        id=job.id,
        status=status,
        created_at=job.created_at,
        updated_at=job.updated_at,
        idea=job.idea,
        title=job.story.title if job.story else None,
        cancel_requested=job.cancel_requested,
        running_here=running_here,
        estimated_cost_usd=job.estimated_cost_usd,
        usage=job.usage,
        reasons=reasons,
        progress=Progress.model_validate(view.progress()),
        files=downloadable(view),
        missing=missing,
        manifest=Manifest.model_validate(manifest) if manifest is not None else None,
    )


def downloadable(view: JobView) -> list[str]:
    """The job's artifacts that exist now, by their path relative to the job folder: only
    these can be downloaded (never any other file that happens to be in the folder)."""
    root = Path(view.job.out_dir)
    names = [STORY_FILENAME, MANIFEST_FILENAME]
    names += [
        step.artifact
        for step in view.steps
        if step.artifact and step.status is StepStatus.SUCCEEDED
    ]
    return [name for name in dict.fromkeys(names) if (root / name).is_file()]


def artifact(view: JobView, requested: str) -> Path:
    """The file behind ``requested`` (a manifest path); 404 for anything else, including
    any path that would leave the job folder (``..``, absolute, symlinks out)."""
    missing = not_found(f"job {view.job.id} has no file {requested!r}")
    pure = PurePosixPath(requested)
    if pure.is_absolute() or ".." in pure.parts or "\\" in requested or "\x00" in requested:
        raise missing
    if requested not in downloadable(view):
        raise missing
    root = Path(view.job.out_dir).resolve()
    path = (root / requested).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise missing
    return path


def media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")


__all__ = [
    "JobAccepted",
    "JobDetail",
    "JobSummary",
    "VideoBody",
    "accepted",
    "artifact",
    "detail",
    "downloadable",
    "find",
    "media_type",
    "summary",
    "work",
]
