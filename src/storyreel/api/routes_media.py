"""Media routes: video jobs (create, list, inspect, resume, cancel, download) and thumbnails."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from storyreel.api import job_views as views
from storyreel.api.dependencies import (
    AppFilmingRunner,
    AppJobQueue,
    AppJobRunner,
    AppJobTasks,
    AppLimiter,
    AppMediaService,
    AppSettings,
)
from storyreel.api.fields import Text
from storyreel.api.job_queueing import inline_work, send
from storyreel.api.problems import ApiProblem, conflict, problem_responses
from storyreel.api.quota_views import quota_waits
from storyreel.api.routes_music import chosen_reel
from storyreel.api.routing import problem_router
from storyreel.jobs.models import JobRecord
from storyreel.services.google.media import IMAGE_ASPECT_RATIOS
from storyreel.workers.actions import JobAction

media_router = problem_router(401, tags=["media"])

# How long DELETE waits for a running job to stop before answering with its state.
CANCEL_WAIT_S = 10.0

JobId = Annotated[str, PathParam(min_length=1, max_length=64)]


class ThumbnailBody(BaseModel):
    """A thumbnail from ``prompt``; ``aspect_ratio`` defaults to ``video.aspect_ratio``."""

    model_config = ConfigDict(extra="forbid")

    prompt: Text
    aspect_ratio: str | None = Field(
        default=None, json_schema_extra={"enum": [*IMAGE_ASPECT_RATIOS, None]}
    )


@media_router.post(
    "/videos",
    status_code=202,
    response_model=views.JobAccepted,
    summary="Start a video job",
    responses=problem_responses(503),
)
async def post_video(
    body: views.VideoBody,
    request: Request,
    response: Response,
    runner: AppFilmingRunner,
    tasks: AppJobTasks,
    settings: AppSettings,
    queue: AppJobQueue,
) -> views.JobAccepted:
    """Create a job (idea → story → clips → thumbnail, or a ready story → clips →
    thumbnail) and run it in the background (or queue it for the workers, with
    ``jobs.queue: celery``; 503 when their broker cannot be reached: the job is saved as
    queued, resume it later); poll ``GET /v1/jobs/{id}``."""
    reel = chosen_reel(settings, body.music)
    if body.story is not None:
        job = await asyncio.to_thread(runner.create_from_story, body.story, reel=reel)
    else:
        settings.require_credentials("openrouter")  # the story is written first
        job = await asyncio.to_thread(
            runner.create,
            body.idea or "",
            segments=body.segments,
            style=body.style,
            characters=body.characters,
            duration_seconds=body.duration_seconds,
            reel=reel,
        )
    action = JobAction(kind="run", job_id=job.id, fence=job.fence)
    if queue is not None:
        await send(queue, action)
    else:
        tasks.start(job.id, inline_work(request, action))
    return views.accepted(request, response, job.id, job.status)


@media_router.get("/jobs", response_model=list[views.JobSummary], summary="List jobs")
def list_jobs(runner: AppJobRunner) -> list[views.JobSummary]:
    """Every job of the store, newest first."""
    return [views.summary(job) for job in runner.list_jobs()]


@media_router.get(
    "/jobs/{job_id}",
    response_model=views.JobDetail,
    name="storyreel_get_job",
    summary="A job's status and progress",
    responses=problem_responses(404),
)
def get_job(
    job_id: JobId,
    runner: AppJobRunner,
    tasks: AppJobTasks,
    limiter: AppLimiter,
) -> views.JobDetail:
    """Status (``queued``, ``running``, ``succeeded``, ``partial``, ``failed``, ``cancelled``),
    per-segment progress, steps waiting for a rate-limit budget (``quota_waits``),
    downloadable files, and the manifest once finished."""
    found = views.detail(views.find(runner, job_id), running_here=tasks.running(job_id))
    return found.model_copy(update={"quota_waits": quota_waits(limiter, job_id)})


@media_router.post(
    "/jobs/{job_id}/resume",
    status_code=202,
    response_model=views.JobAccepted,
    summary="Resume a job",
    responses=problem_responses(404, 409, 503),
)
async def resume_job(
    job_id: JobId,
    request: Request,
    response: Response,
    runner: AppFilmingRunner,
    tasks: AppJobTasks,
    queue: AppJobQueue,
) -> views.JobAccepted:
    """Finish a job: re-poll submitted clips (never paying twice), run what never started.
    Answered once the job is ``queued`` again; 409 when it is running or has already
    succeeded (nothing to resume); 503 when the workers' broker cannot be reached."""
    await asyncio.to_thread(views.find, runner, job_id)
    if queue is not None:
        job = await asyncio.to_thread(runner.requeue, job_id)
        await send(queue, JobAction(kind="resume", job_id=job_id, fence=job.fence))
        return views.accepted(request, response, job_id, job.status)
    # The task's slot is taken before the job is requeued, so that two requests never both
    # requeue it; the runner decides, and its JobError is a 409 (see storyreel.api.problems).
    queued: asyncio.Future[JobRecord] = asyncio.get_running_loop().create_future()
    if not tasks.start(job_id, views.requeue_then_resume(runner, job_id, queued)):
        await asyncio.to_thread(runner.check_resumable, job_id, running_here=True)
    job = await queued
    return views.accepted(request, response, job_id, job.status)


@media_router.delete(
    "/jobs/{job_id}",
    response_model=views.JobDetail,
    summary="Cancel a job",
    responses=problem_responses(404, 409),
)
async def cancel_job(
    job_id: JobId,
    runner: AppJobRunner,
    tasks: AppJobTasks,
) -> views.JobDetail:
    """Stop a job: nothing new is submitted; clips already submitted stay recorded, so a
    resume collects them without paying again. 409 when it has already finished."""
    job = (await asyncio.to_thread(views.find, runner, job_id)).job
    if job.final:
        raise conflict(f"job {job_id} has already finished ({job.status.value})")
    await asyncio.to_thread(runner.cancel, job_id)
    await tasks.wait(job_id, within_s=CANCEL_WAIT_S)
    view = await asyncio.to_thread(views.find, runner, job_id)
    return views.detail(view, running_here=tasks.running(job_id))


@media_router.get(
    "/jobs/{job_id}/files/{file_path:path}",
    summary="Download a job's file",
    response_class=FileResponse,
    responses={
        200: {
            "description": "The file (Range requests are supported).",
            "content": {media: {} for media in views.MEDIA_TYPES.values()},
        },
        206: {"description": "Part of the file, for a Range request."},
        **problem_responses(404),
    },
)
def get_file(job_id: JobId, file_path: str, runner: AppJobRunner) -> FileResponse:
    """A file by its path in the manifest: ``reel.mp4``, ``reel.srt``, ``reel.vtt``,
    ``audio/segment-01.wav``, ``clips/segment-01.mp4``, ``thumbnail.png``, ``story.json``,
    ``manifest.json``. Anything else, or outside the job folder, is 404."""
    path = views.artifact(views.find(runner, job_id), file_path)
    return FileResponse(path, media_type=views.media_type(path))


@media_router.post(
    "/thumbnails",
    response_class=Response,
    summary="Draw a thumbnail",
    responses={
        200: {"description": "The image.", "content": {"image/png": {}, "image/jpeg": {}}},
        **problem_responses(429, 502, 504),
    },
)
async def post_thumbnail(
    body: ThumbnailBody,
    media: AppMediaService,
) -> Response:
    """One image from the image model, returned as PNG (or JPEG) bytes."""
    if body.aspect_ratio is not None and body.aspect_ratio not in IMAGE_ASPECT_RATIOS:
        raise ApiProblem(422, f"unsupported aspect_ratio {body.aspect_ratio!r}")
    with tempfile.TemporaryDirectory(prefix="storyreel-thumbnail-") as folder:
        dest = Path(folder) / "thumbnail.png"
        result = await media.generate_thumbnail(body.prompt, dest, aspect_ratio=body.aspect_ratio)
        data = await asyncio.to_thread(result.path.read_bytes)
    return Response(data, media_type=result.mime_type)
