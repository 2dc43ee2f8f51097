"""Video entry points for host applications: a wired container supplies the job runner."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dependency_injector.wiring import Provide, inject

from storyreel.containers import Container
from storyreel.controllers.wiring import provided
from storyreel.domain.story import Character, Story
from storyreel.jobs.journal import ProgressCallback
from storyreel.jobs.manifest import Manifest
from storyreel.jobs.runner import JobRunner

__all__ = ["film_story", "make_video", "resume_job"]


@inject
async def make_video(
    idea: str,
    *,
    segments: int | None = None,
    style: str | None = None,
    characters: Sequence[Character] = (),
    out_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    runner: JobRunner = Provide[Container.job_runner],
) -> Manifest:
    """Idea → story → clips → thumbnail, as a durable job; returns the manifest."""
    runner = provided(runner, "job runner")
    job = runner.create(
        idea, segments=segments, style=style, characters=characters, out_dir=out_dir
    )
    return await runner.run(job.id, progress=progress)


@inject
async def film_story(
    story: Story,
    *,
    out_dir: Path | None = None,
    progress: ProgressCallback | None = None,
    runner: JobRunner = Provide[Container.job_runner],
) -> Manifest:
    """Film a ready story as a durable job; returns the manifest."""
    runner = provided(runner, "job runner")
    job = runner.create_from_story(story, out_dir=out_dir)
    return await runner.run(job.id, progress=progress)


@inject
async def resume_job(
    job_id: str,
    *,
    progress: ProgressCallback | None = None,
    runner: JobRunner = Provide[Container.job_runner],
) -> Manifest:
    """Finish a job: re-poll what was submitted, run what never started."""
    return await provided(runner, "job runner").resume(job_id, progress=progress)
