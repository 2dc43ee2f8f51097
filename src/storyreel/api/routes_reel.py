"""Reel routes: film one segment of a job again, assemble a job's reel again."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Depends
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from storyreel.api import job_views as views
from storyreel.api.dependencies import AppJobQueue, AppJobRunner, AppJobTasks, app_container
from storyreel.api.fields import VISIBLE
from storyreel.api.job_queueing import inline_work, queue_again, send
from storyreel.api.problems import conflict, not_found, problem_responses
from storyreel.api.routing import problem_router
from storyreel.domain.limits import MAX_SEGMENTS, MAX_VIDEO_PROMPT_CHARS
from storyreel.jobs.assembly import ReelOptions
from storyreel.jobs.models import SERVER_ROLE, this_process
from storyreel.jobs.reel_jobs import ReelJobs
from storyreel.workers.actions import JobAction

reel_router = problem_router(401, tags=["media"])

JobId = Annotated[str, PathParam(min_length=1, max_length=64)]
SegmentIndex = Annotated[int, PathParam(ge=1, le=MAX_SEGMENTS)]


def _reel_jobs(request: Request) -> ReelJobs:
    # Like the job runner of the media routes: claimed in the server's name, so that the
    # next server on the same store resumes a reshoot this one was interrupted in.
    container = app_container(request)
    container.config().require_credentials("google")
    reels: ReelJobs = container.reel_jobs(owner=this_process(SERVER_ROLE))
    return reels


def _idle_reel_jobs(request: Request) -> ReelJobs:
    # Re-assembling calls no provider: no credential is needed.
    reels: ReelJobs = app_container(request).reel_jobs(owner=this_process(SERVER_ROLE))
    return reels


AppReelJobs = Annotated[ReelJobs, Depends(_reel_jobs)]
AppAssembler = Annotated[ReelJobs, Depends(_idle_reel_jobs)]


class ReshootBody(BaseModel):
    """Film the segment again; ``prompt`` replaces its visual prompt (default: the story's)."""

    model_config = ConfigDict(extra="forbid")

    prompt: Annotated[str, Field(max_length=MAX_VIDEO_PROMPT_CHARS, pattern=VISIBLE)] | None = None


class AssembleBody(BaseModel):
    """Assemble the reel again: ``captions`` false leaves them out, ``transition_s`` is the
    crossfade between clips, ``allow_gaps`` puts a title card where a clip is missing. Left
    out, each keeps the job's (or the configuration's) choice."""

    model_config = ConfigDict(extra="forbid")

    captions: bool | None = None
    transition_s: Annotated[float, Field(ge=0, le=2)] | None = None
    allow_gaps: bool | None = None


@reel_router.post(
    "/jobs/{job_id}/segments/{index}/reshoot",
    status_code=202,
    response_model=views.JobAccepted,
    summary="Film one segment again",
    responses=problem_responses(404, 409, 503),
)
async def reshoot_segment(
    job_id: JobId,
    index: SegmentIndex,
    request: Request,
    response: Response,
    runner: AppJobRunner,
    reels: AppReelJobs,
    tasks: AppJobTasks,
    queue: AppJobQueue,
    body: ReshootBody | None = None,
) -> views.JobAccepted:
    """Film segment ``index`` of a job again (one paid clip, counted in its
    ``video_submissions``), then assemble its reel again; poll ``GET /v1/jobs/{id}``.
    404 for an unknown job or segment; 409 when the job is running or has no story yet."""
    prompt = body.prompt if body is not None else None
    view = await asyncio.to_thread(views.find, runner, job_id)
    story = view.job.story
    if story is None:
        raise conflict(f"job {job_id} has no story yet; resume it first")
    if index > len(story.segments):
        raise not_found(f"job {job_id} has no segment {index} (it has {len(story.segments)})")
    running = tasks.running(job_id)
    job = await asyncio.to_thread(
        reels.check_reshoot, job_id, index, prompt=prompt, running_here=running
    )
    action = JobAction(kind="reshoot", job_id=job_id, index=index, prompt=prompt)
    if queue is not None:
        # Queued first, so that the action names the job's fence: a second request (or a
        # copy of this one) finds the job claimed by whichever worker took it, and no clip
        # is filmed twice.
        job = await asyncio.to_thread(queue_again, request, job, only_idle=True)
        await send(queue, action.model_copy(update={"fence": job.fence}))
    elif not tasks.start(job_id, inline_work(request, action)):
        await asyncio.to_thread(reels.check_reshoot, job_id, index, running_here=True)
    return views.accepted(request, response, job_id, job.status)


@reel_router.post(
    "/jobs/{job_id}/assemble",
    status_code=202,
    response_model=views.JobAccepted,
    summary="Assemble a job's reel again",
    responses=problem_responses(404, 409, 503),
)
async def assemble_reel(
    job_id: JobId,
    request: Request,
    response: Response,
    runner: AppJobRunner,
    reels: AppAssembler,
    tasks: AppJobTasks,
    queue: AppJobQueue,
    body: AssembleBody | None = None,
) -> views.JobAccepted:
    """Assemble the job's ``reel.mp4`` again from its clips and narrations, with other
    choices; no paid call. 404 for an unknown job; 409 when it is running or has no story;
    422 when a clip is missing and gaps are not allowed."""
    chosen = body or AssembleBody()
    options = ReelOptions(
        captions=chosen.captions, transition_s=chosen.transition_s, allow_gaps=chosen.allow_gaps
    )
    await asyncio.to_thread(views.find, runner, job_id)
    if tasks.running(job_id):
        raise conflict(f"job {job_id} is running in this process; wait for it or cancel it")
    job = await asyncio.to_thread(reels.check_assembly, job_id, options)
    if queue is not None:
        job = await asyncio.to_thread(queue_again, request, job, only_idle=True)
        await send(queue, JobAction.assembling(job_id, job.fence, options))
    elif not tasks.start(job_id, inline_work(request, JobAction.assembling(job_id, 0, options))):
        raise conflict(f"job {job_id} is running in this process; wait for it or cancel it")
    return views.accepted(request, response, job_id, job.status)


__all__ = ["reel_router"]
