"""What a job was estimated to cost and what it submitted, per kind of billed call."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from storyreel.domain.story import Story
from storyreel.jobs.frame_steps import drawn_images
from storyreel.jobs.models import StepKind, StepRecord
from storyreel.jobs.prices import speech_seconds, video_usd
from storyreel.settings import Settings

CostKind = Literal["clips", "images", "voice"]


class KindCost(BaseModel):
    """One kind of billed call in the manifest. ``unit`` is what ``estimated`` and
    ``submitted`` count: seconds of video, images, or seconds of speech. ``submitted``
    counts what was sent and may have been billed: each Veo submit that may have reached
    Google, each try of an image (thumbnail, sheet, keyframe) and of a narration. A
    ``*_usd`` of None: no price is configured for the video model."""

    model_config = ConfigDict(extra="forbid")

    kind: CostKind
    unit: Literal["seconds", "images"]
    estimated: float
    estimated_usd: float | None
    submitted: float
    submitted_usd: float | None


def _video(settings: Settings, seconds: float) -> float | None:
    return video_usd(settings, seconds) if seconds else 0.0


def cost_report(settings: Settings, story: Story, steps: Sequence[StepRecord]) -> list[KindCost]:
    """Estimated and submitted, for the clips, the thumbnail and the narrations of a job."""
    durations = {segment.index: segment.duration_seconds for segment in story.segments}
    spoken = {
        segment.index: speech_seconds(settings, segment.narration) for segment in story.segments
    }
    google = settings.google
    clips_sent = float(
        sum(
            step.submissions * durations.get(step.index or 0, 0)
            for step in steps
            if _is(step, StepKind.CLIP)
        )
    )
    thumbnails = drawn_images(steps)  # the thumbnail, and the sheets and keyframes drawn
    voices = [step for step in steps if _is(step, StepKind.VOICE)]
    images_sent = float(sum(step.attempts for step in thumbnails))
    speech_planned = round(sum(spoken.get(step.index or 0, 0.0) for step in voices), 2)
    speech_sent = round(sum(step.attempts * spoken.get(step.index or 0, 0.0) for step in voices), 2)
    image_usd, speech_usd = google.price_per_image_usd, google.price_per_speech_second_usd
    return [
        KindCost(
            kind="clips",
            unit="seconds",
            estimated=float(story.total_seconds),
            estimated_usd=_video(settings, story.total_seconds),
            submitted=clips_sent,
            submitted_usd=_video(settings, clips_sent),
        ),
        KindCost(
            kind="images",
            unit="images",
            estimated=float(len(thumbnails)),
            estimated_usd=round(len(thumbnails) * image_usd, 4),
            submitted=images_sent,
            submitted_usd=round(images_sent * image_usd, 4),
        ),
        KindCost(
            kind="voice",
            unit="seconds",
            estimated=speech_planned,
            estimated_usd=round(speech_planned * speech_usd, 4),
            submitted=speech_sent,
            submitted_usd=round(speech_sent * speech_usd, 4),
        ),
    ]


def _is(step: StepRecord, kind: StepKind) -> bool:
    return step.kind is kind


__all__ = ["CostKind", "KindCost", "cost_report"]
