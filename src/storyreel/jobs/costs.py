"""What a job costs: the estimates shown before a job is created or resumed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storyreel.domain.limits import DEFAULT_SEGMENTS
from storyreel.domain.story import Character, Segment, Story
from storyreel.jobs.choices import ReelChoices, choices_of
from storyreel.jobs.frame_steps import drawn_images, frame_steps, planned_images, reference_of
from storyreel.jobs.models import THUMBNAIL_STEP, JobRecord, StepKind, StepRecord, StepStatus
from storyreel.jobs.prices import narrated, speech_seconds, total_usd
from storyreel.jobs.reel_manifest import voice_step_key
from storyreel.settings import Settings

# How many characters the writer may list for a story (StoryDraft.characters): the most
# sheets a job from an idea can draw beyond the characters it was given.
MAX_WRITTEN_CHARACTERS = 6


@dataclass(frozen=True)
class CostEstimate:
    """Billed work and its price: ``seconds`` of video (of ``model``), ``speech_seconds``
    of narration and ``images`` (the thumbnail, character sheets, keyframes). ``usd`` is
    the total; None when video is to be made and its model's price is not configured."""

    seconds: int
    usd: float | None
    model: str
    speech_seconds: float = 0.0
    images: int = 0

    @property
    def billed(self) -> bool:
        """Whether anything billed would be requested."""
        return bool(self.seconds or self.speech_seconds or self.images)


def cost_of(
    settings: Settings, seconds: int, *, speech_seconds: float = 0.0, images: int = 0
) -> CostEstimate:
    """``seconds`` of video, ``speech_seconds`` of speech and ``images`` at list prices."""
    usd = total_usd(settings, video_seconds=seconds, speech=speech_seconds, images=images)
    return CostEstimate(seconds, usd, settings.google.video_model, speech_seconds, images)


def idea_cost(
    settings: Settings,
    seconds: int,
    choices: ReelChoices,
    *,
    segments: int = 0,
    characters: Sequence[Character] = (),
) -> CostEstimate:
    """A job from an idea, before its story exists: the clips, a narration as long as its
    clip for each (the writer sizes each narration to fit its clip), the thumbnail and, with
    keyframes, one keyframe per segment and a sheet per character without a reference
    image: those given plus as many new ones as the writer may add, an upper bound."""
    speech = float(seconds) if choices.narration else 0.0
    images = 1
    if choices.keyframes:
        referenced = sum(reference_of(choices, c.name) is not None for c in characters)
        # The writer keeps every given character and may add MAX_WRITTEN_CHARACTERS new ones.
        images += segments + len(characters) + MAX_WRITTEN_CHARACTERS - referenced
    return cost_of(settings, seconds, speech_seconds=speech, images=images)


def story_cost(settings: Settings, story: Story, choices: ReelChoices) -> CostEstimate:
    """Filming ``story``: every clip, every narration read aloud, the thumbnail and, with
    keyframes, each keyframe and each sheet drawn."""
    speech = _speech(settings, story.segments) if choices.narration else 0.0
    images = planned_images(story, choices)
    return cost_of(settings, story.total_seconds, speech_seconds=speech, images=images)


def remaining_cost(job: JobRecord, steps: Sequence[StepRecord], settings: Settings) -> CostEstimate:
    """What resuming the job would still pay for: the clips of :func:`remaining_seconds`,
    the narrations not read yet, and the thumbnail unless it is made."""
    seconds = remaining_seconds(job, steps, settings)
    choices = choices_of(job.input.reel, settings)
    if job.story is None:
        spec = job.input
        count = spec.segments or DEFAULT_SEGMENTS
        return idea_cost(settings, seconds, choices, segments=count, characters=spec.characters)
    done = {step.key for step in steps if step.status is StepStatus.SUCCEEDED}
    unread = [s for s in job.story.segments if voice_step_key(s.index) not in done]
    speech = _speech(settings, unread) if choices.narration else 0.0
    thumbnail = StepRecord(key=THUMBNAIL_STEP, kind=StepKind.THUMBNAIL)
    planned = drawn_images([*frame_steps(job.story, choices), thumbnail])
    images = sum(step.key not in done for step in planned)
    return cost_of(settings, seconds, speech_seconds=speech, images=images)


def reshoot_cost(settings: Settings, segment: Segment, *, images: int = 0) -> CostEstimate:
    """Filming one segment again: one clip, and ``images`` (its keyframe, drawn again)."""
    return cost_of(settings, segment.duration_seconds, images=images)


def _speech(settings: Settings, segments: Sequence[Segment]) -> float:
    return round(sum(speech_seconds(settings, s.narration) for s in narrated(segments)), 2)


def remaining_seconds(job: JobRecord, steps: Sequence[StepRecord], settings: Settings) -> int:
    """Seconds of video that resuming the job would still submit: every clip when it has
    no story yet; else the clips never submitted and, per ``video.resubmit_on_unknown``,
    those whose submit may not have reached Google."""
    if job.story is None:
        duration = job.input.duration_seconds or settings.video.duration_seconds
        return (job.input.segments or DEFAULT_SEGMENTS) * duration
    by_index = {step.index: step for step in steps if step.index and step.kind is StepKind.CLIP}
    again = {StepStatus.PENDING} | (
        {StepStatus.UNKNOWN} if settings.video.resubmit_on_unknown else set()
    )
    return sum(
        segment.duration_seconds
        for segment in job.story.segments
        if segment.index not in by_index or by_index[segment.index].status in again
    )
