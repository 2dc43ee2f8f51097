"""What a video job would cost, asked before it is started (the page's confirm step)."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel, Field

from storyreel.api import job_views as views
from storyreel.api.dependencies import AppFilmingRunner, AppSettings
from storyreel.api.problems import problem_responses
from storyreel.api.routes_music import chosen_reel
from storyreel.api.routing import problem_router
from storyreel.jobs.costs import CostEstimate
from storyreel.jobs.runner import JobRunner
from storyreel.settings import Settings

estimate_router = problem_router(401, tags=["media"])


class Estimate(BaseModel):
    """The billed work of a job and its list price, as ``storyreel make`` shows it."""

    video_seconds: int
    speech_seconds: float
    images: int
    model: str = Field(description="The video model the clips would be filmed with.")
    aspect_ratio: str = Field(description="The picture's shape: the server's video.aspect_ratio.")
    usd: float | None = Field(description="The total; null when the model has no price set.")
    billed: bool = Field(description="False offline: the emulator bills nothing.")
    confirm_above_usd: float = Field(
        description="The server's video.confirm_above_usd: above it (or when usd is null) "
        "a client should ask before starting the job, as the command line does."
    )


class _Estimated(Exception):
    """Raised by the approval hook to stop before the job exists, carrying the estimate."""

    def __init__(self, cost: CostEstimate) -> None:
        super().__init__("estimated")
        self.cost = cost


def _refuse(cost: CostEstimate) -> None:
    raise _Estimated(cost)


def estimate_of(runner: JobRunner, body: views.VideoBody, settings: Settings) -> CostEstimate:
    """What ``runner`` would estimate for ``body``, every input checked as when creating the
    job (InputError), and no job created: the runner's own approval hook stops it."""
    reel = chosen_reel(settings, body.music)
    try:
        if body.story is not None:
            runner.create_from_story(body.story, reel=reel, approve=_refuse)
        else:
            runner.create(
                body.idea or "",
                segments=body.segments,
                style=body.style,
                characters=body.characters,
                duration_seconds=body.duration_seconds,
                reel=reel,
                approve=_refuse,
            )
    except _Estimated as estimated:
        return estimated.cost
    raise RuntimeError("the job runner created a job without asking for approval")


@estimate_router.post(
    "/estimates",
    response_model=Estimate,
    summary="Estimate a video job's cost",
    responses=problem_responses(503),
)
async def post_estimate(
    body: views.VideoBody, runner: AppFilmingRunner, settings: AppSettings
) -> Estimate:
    """The cost of ``POST /v1/videos`` with the same body, without starting anything: seconds
    of video, of narration and images, and their list price."""
    if body.story is None:
        settings.require_credentials("openrouter")  # as POST /v1/videos: the story comes first
    cost = await asyncio.to_thread(estimate_of, runner, body, settings)
    return Estimate(
        video_seconds=cost.seconds,
        speech_seconds=cost.speech_seconds,
        images=cost.images,
        model=cost.model,
        aspect_ratio=settings.video.aspect_ratio,
        usd=cost.usd,
        billed=settings.backend != "offline",
        confirm_above_usd=settings.video.confirm_above_usd,
    )


__all__ = ["Estimate", "estimate_of", "estimate_router"]
