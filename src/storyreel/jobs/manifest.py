"""The manifest: what a job produced, built from its steps and written next to the files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from storyreel.domain.story import Story, Usage
from storyreel.files import write_atomic
from storyreel.jobs.cost_report import KindCost, cost_report
from storyreel.jobs.frame_manifest import KeyframeEntry, SheetEntry, keyframe_entries, sheet_entries
from storyreel.jobs.frame_steps import drawn_images
from storyreel.jobs.models import STORY_STEP, StepKind, StepRecord, StepStatus
from storyreel.jobs.prices import speech_seconds, total_usd, video_usd
from storyreel.jobs.reel_manifest import AudioEntry, ReelEntry, audio_entries
from storyreel.settings import Settings

MANIFEST_FILENAME = "manifest.json"
STORY_FILENAME = "story.json"
THUMBNAIL_FILENAME = "thumbnail.png"

ManifestStatus = Literal["succeeded", "partial", "failed", "cancelled"]
# The reason a job is finished with when a cancel request stopped it.
CANCELLED_REASON = "cancelled"


class ClipEntry(BaseModel):
    """One segment's clip. ``path`` (relative to the job folder) is set only when the file
    exists; ``status`` is the step's status and ``error`` says why it is not ``succeeded``."""

    model_config = ConfigDict(extra="forbid")

    index: int
    path: str | None
    operation: str | None
    duration_seconds: int
    status: str
    error: str | None = None


class Failure(BaseModel):
    """Why something the job should have produced is missing."""

    model_config = ConfigDict(extra="forbid")

    step: str
    index: int | None = None
    reason: str


class Manifest(BaseModel):
    """The contract of a job folder (``manifest.json``); ``--json`` prints exactly this."""

    model_config = ConfigDict(extra="forbid")

    job_id: str | None
    status: ManifestStatus
    title: str | None = None
    story: str | None = STORY_FILENAME
    clips: list[ClipEntry] = Field(default_factory=list)
    thumbnail: str | None = None
    # Manifests written before the reel existed have neither: they still load.
    reel: ReelEntry | None = None
    audio: list[AudioEntry] = Field(default_factory=list)
    # The character sheets and keyframes the clips start from (none with keyframes off).
    sheets: list[SheetEntry] = Field(default_factory=list)
    keyframes: list[KeyframeEntry] = Field(default_factory=list)
    video_model: str
    video_submissions: int = 0
    estimated_cost_usd: float | None = None
    # Per kind of billed call (clips, images, voice): estimated, and what was submitted.
    costs: list[KindCost] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)
    failures: list[Failure] = Field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def estimate_cost_usd(settings: Settings, seconds: float) -> float | None:
    """Seconds of video at the configured model's list price; ``None`` when the price of
    that model is not configured (no guess)."""
    return video_usd(settings, seconds)


def planned_cost_usd(settings: Settings, story: Story, steps: Sequence[StepRecord]) -> float | None:
    """The list price of everything billed that ``steps`` plan for ``story``: every clip,
    each narration read aloud, the thumbnail and each sheet and keyframe drawn."""
    voiced = {step.index for step in steps if step.kind is StepKind.VOICE}
    speech = sum(speech_seconds(settings, s.narration) for s in story.segments if s.index in voiced)
    images = len(drawn_images(steps))
    return total_usd(settings, video_seconds=story.total_seconds, speech=speech, images=images)


def build_manifest(
    *,
    job_id: str | None,
    story: Story | None,
    steps: Sequence[StepRecord],
    settings: Settings,
    usage: Usage | None = None,
    reasons: Sequence[str] = (),
    folder: Path | None = None,
    reel: ReelEntry | None = None,
) -> Manifest:
    """The manifest of a job in the state ``steps`` describe.

    ``succeeded`` when every step is done (clips, thumbnail, narrations, reel); otherwise
    ``cancelled`` when ``reasons`` hold :data:`CANCELLED_REASON`, ``failed`` when no clip
    is there and ``partial`` when some are. ``reasons`` are listed only when the job is
    not complete. ``folder`` (the job folder) is where the narrations' lengths are read;
    ``reel`` is the entry of the reel the assemble step made.
    """
    durations = {s.index: s.duration_seconds for s in story.segments} if story else {}
    clips: list[ClipEntry] = []
    failures: list[Failure] = []
    thumbnail: str | None = None
    complete = story is not None
    for step in steps:
        done = step.status is StepStatus.SUCCEEDED
        complete = complete and done
        if step.kind is StepKind.CLIP and step.index is not None:
            clips.append(
                ClipEntry(
                    index=step.index,
                    path=step.artifact if done else None,
                    operation=step.operation,
                    duration_seconds=durations.get(step.index, settings.video.duration_seconds),
                    status=step.status.value,
                    error=None if done else step.error or _waiting(step.status),
                )
            )
        elif step.kind is StepKind.THUMBNAIL and done:
            thumbnail = step.artifact
        if not done and (step.status is not StepStatus.PENDING or step.error):
            failures.append(
                Failure(step=step.key, index=step.index, reason=step.error or _waiting(step.status))
            )
    clips.sort(key=lambda clip: clip.index)
    if story is not None and len(clips) < len(story.segments):
        complete = False
    if story is None and not any(f.step == STORY_STEP for f in failures):
        failures.append(Failure(step=STORY_STEP, reason="the story was not written"))
    status: ManifestStatus
    if complete:
        status, failures = "succeeded", []
    elif CANCELLED_REASON in reasons:
        status = "cancelled"
    elif any(clip.status == StepStatus.SUCCEEDED for clip in clips):
        status = "partial"
    else:
        status = "failed"
    if status != "succeeded":
        failures.extend(Failure(step="job", reason=reason) for reason in reasons)
        if not failures:
            failures.append(Failure(step="job", reason="not finished; resume the job"))
    return Manifest(
        job_id=job_id,
        status=status,
        title=story.title if story else None,
        story=STORY_FILENAME if story else None,
        clips=clips,
        thumbnail=thumbnail,
        # ``reel`` is what the assembler made; it stands while the assemble step does.
        reel=reel if _assembled(steps) else None,
        audio=audio_entries(folder, steps),
        sheets=sheet_entries(story, steps),
        keyframes=keyframe_entries(steps),
        video_model=settings.google.video_model,
        video_submissions=sum(step.submissions for step in steps),
        estimated_cost_usd=planned_cost_usd(settings, story, steps) if story else None,
        costs=cost_report(settings, story, steps) if story else [],
        usage=usage or Usage(),
        failures=failures,
    )


def _assembled(steps: Sequence[StepRecord]) -> bool:
    return any(s.kind is StepKind.ASSEMBLE and s.status is StepStatus.SUCCEEDED for s in steps)


def _waiting(status: StepStatus) -> str:
    return {
        StepStatus.PENDING: "not started",
        StepStatus.SUBMITTED: "submitted, not collected yet; resume the job to collect it",
        StepStatus.UNKNOWN: "the submit's outcome is unknown (it may have been billed)",
        StepStatus.FAILED: "failed",
        StepStatus.SUCCEEDED: "",
    }[status]


def write_json_atomic(path: Path, document: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename: never half a file."""
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    write_atomic(path, text.encode("utf-8"))


def write_manifest(out_dir: Path, manifest: Manifest) -> Path:
    path = out_dir / MANIFEST_FILENAME
    write_json_atomic(path, manifest.to_json())
    return path


def write_story(out_dir: Path, story: Story) -> Path:
    path = out_dir / STORY_FILENAME
    write_json_atomic(path, story.model_dump(mode="json"))
    return path
