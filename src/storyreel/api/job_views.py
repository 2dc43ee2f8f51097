"""Bodies, answers and helpers of the job routes, and which files of a job may be downloaded."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.requests import Request
from starlette.responses import Response

from storyreel.api.fields import Characters, Duration, MusicName, Segments, Style, Text
from storyreel.api.job_summaries import JobSummary, summary
from storyreel.api.problems import not_found
from storyreel.api.quota_views import QuotaWait
from storyreel.domain.story import Usage
from storyreel.domain.timestamps import UtcTimestamp
from storyreel.errors import JobError, StoryreelError
from storyreel.jobs.artifacts import missing_artifacts
from storyreel.jobs.manifest import MANIFEST_FILENAME, STORY_FILENAME, Manifest
from storyreel.jobs.models import JobRecord, JobStatus, JobView, StepStatus
from storyreel.jobs.reel_manifest import previous_reel
from storyreel.jobs.runner import JobRunner
from storyreel.services.openrouter.models import WrittenStory

MEDIA_TYPES = {
    ".mp4": "video/mp4",
    ".png": "image/png",
    # A character's reference image is kept as the user gave it (sheets/<name>.jpg or .webp).
    ".jpg": "image/jpeg",
    ".webp": "image/webp",
    ".json": "application/json",
    ".wav": "audio/wav",
    ".srt": "application/x-subrip",
    ".vtt": "text/vtt",
}
_IDEA_OPTIONS = ("segments", "style", "characters", "duration_seconds")


class VideoBody(BaseModel):
    """A video job: an ``idea`` (with the story options) or a ready ``story`` — e.g. what
    ``POST /v1/stories`` answered, edited or not (its ``usage`` is accepted and left out)."""

    model_config = ConfigDict(extra="forbid")

    idea: Text | None = None
    segments: Segments | None = None
    style: Style = None
    characters: Characters = Field(default_factory=list)
    duration_seconds: Duration = None
    story: WrittenStory | None = None
    music: MusicName | None = Field(
        default=None, description="Background music for the reel, as POST /v1/music named it."
    )

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
    voices_total: int = 0
    voices_done: int = 0
    video_submissions: int


class JobDetail(BaseModel):
    """A job: its status, per-segment progress, downloadable files, and the manifest once
    it has finished (``succeeded``, ``partial``, ``failed`` or ``cancelled``)."""

    id: str
    status: JobStatus
    created_at: UtcTimestamp
    updated_at: UtcTimestamp
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
    quota_waits: list[QuotaWait] = []


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


def requeue_then_resume(
    runner: JobRunner, job_id: str, queued: asyncio.Future[JobRecord]
) -> Callable[[], Awaitable[Manifest | None]]:
    """A task body that puts the job back in the queue, tells ``queued`` (the job, or why it
    cannot be resumed), then resumes it."""

    async def run() -> Manifest | None:
        try:
            job = await asyncio.to_thread(runner.requeue, job_id)
        except Exception as exc:
            queued.set_exception(exc)
            if isinstance(exc, StoryreelError):
                return None  # the answer says why; nothing ran
            raise
        except BaseException:
            queued.cancel()
            raise
        queued.set_result(job)
        return await runner.resume(job_id)

    return run


def accepted(request: Request, response: Response, job_id: str, status: JobStatus) -> JobAccepted:
    """The 202 answer for a job started in the background, with its ``Location``."""
    location = str(request.url_for("storyreel_get_job", job_id=job_id))
    response.headers["Location"] = location
    return JobAccepted(id=job_id, status=status, location=location)


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
    reel = previous_reel(view.job.manifest)
    names += reel.captions if reel is not None else []
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
    "requeue_then_resume",
    "summary",
    "work",
]
