"""Reel entry points for host applications: assemble a job's reel again, reshoot a segment."""

from __future__ import annotations

from pathlib import Path

from dependency_injector.wiring import Provide, inject

from storyreel.containers import Container
from storyreel.controllers.wiring import provided
from storyreel.jobs.assembly import ReelOptions
from storyreel.jobs.journal import ProgressCallback
from storyreel.jobs.manifest import Manifest
from storyreel.jobs.reel_jobs import ReelJobs

__all__ = ["assemble_reel", "reshoot_segment"]


@inject
async def assemble_reel(
    job_id: str,
    *,
    music: Path | None = None,
    captions: bool | None = None,
    transition_s: float | None = None,
    allow_gaps: bool | None = None,
    progress: ProgressCallback | None = None,
    reels: ReelJobs = Provide[Container.reel_jobs],
) -> Manifest:
    """Assemble the reel of a job again from the clips and narrations it made — other
    ``music``, ``captions`` off, another crossfade (``transition_s``), or with gaps (title
    cards for missing clips) — and return its manifest. No paid call; None keeps the job's
    (or the settings') choice. Bad input (music that is not audio, a folder that cannot be
    written, missing clips without ``allow_gaps``) is an InputError before anything runs."""
    options = ReelOptions(
        music=music, captions=captions, transition_s=transition_s, allow_gaps=allow_gaps
    )
    return await provided(reels, "reel jobs").reassemble(job_id, options=options, progress=progress)


@inject
async def reshoot_segment(
    job_id: str,
    segment: int,
    *,
    prompt: str | None = None,
    progress: ProgressCallback | None = None,
    reels: ReelJobs = Provide[Container.reel_jobs],
) -> Manifest:
    """Film segment ``segment`` of a job again (a clip that was blocked, or unwanted), with
    ``prompt`` as its new visual prompt when given, then assemble the reel again. One paid
    Veo submission, counted in the manifest's ``video_submissions``."""
    return await provided(reels, "reel jobs").reshoot(
        job_id, segment, prompt=prompt, progress=progress
    )
