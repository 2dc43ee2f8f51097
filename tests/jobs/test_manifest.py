"""The manifest: status from the steps, failures with reasons, cost estimate, atomic write."""

from __future__ import annotations

import json
from pathlib import Path

from storyreel.domain.story import Usage
from storyreel.jobs.manifest import build_manifest, estimate_cost_usd, write_manifest
from storyreel.jobs.models import StepKind, StepRecord, StepStatus, clip_path, clip_step_key
from storyreel.jobs.prices import video_usd
from storyreel.settings import Settings

from .conftest import job_settings
from .fakes import make_story


def clip(index: int, status: StepStatus, **changes: object) -> StepRecord:
    step = StepRecord(key=clip_step_key(index), kind=StepKind.CLIP, index=index, status=status)
    if status is StepStatus.SUCCEEDED:
        changes.setdefault("artifact", clip_path(index))
        changes.setdefault("submissions", 1)
    return step.but(**changes)


def thumb(status: StepStatus) -> StepRecord:
    artifact = "thumbnail.png" if status is StepStatus.SUCCEEDED else None
    return StepRecord(key="thumbnail", kind=StepKind.THUMBNAIL, status=status, artifact=artifact)


def test_manifest_all_done_is_succeeded(settings: Settings) -> None:
    steps = [
        clip(1, StepStatus.SUCCEEDED),
        clip(2, StepStatus.SUCCEEDED),
        thumb(StepStatus.SUCCEEDED),
    ]

    manifest = build_manifest(
        job_id="j",
        story=make_story(2),
        steps=steps,
        settings=settings,
        usage=Usage(prompt_tokens=5),
    )

    assert manifest.status == "succeeded"
    assert [c.path for c in manifest.clips] == ["clips/segment-01.mp4", "clips/segment-02.mp4"]
    assert manifest.thumbnail == "thumbnail.png"
    assert manifest.video_submissions == 2
    assert manifest.failures == []
    assert manifest.usage.prompt_tokens == 5
    # 2 clips x 4 s at the default model's list price, and the thumbnail.
    price = video_usd(settings, 1)
    assert price is not None
    assert manifest.estimated_cost_usd == round(8 * price + settings.google.price_per_image_usd, 4)


def test_manifest_one_blocked_clip_is_partial_with_its_reason(settings: Settings) -> None:
    blocked = clip(2, StepStatus.FAILED, operation="op/2", submissions=1, error="blocked: SAFETY")
    steps = [clip(1, StepStatus.SUCCEEDED), blocked, thumb(StepStatus.SUCCEEDED)]

    manifest = build_manifest(job_id="j", story=make_story(2), steps=steps, settings=settings)

    assert manifest.status == "partial"
    failed = manifest.clips[1]
    assert (failed.status, failed.path, failed.error) == ("failed", None, "blocked: SAFETY")
    assert [(f.step, f.index, f.reason) for f in manifest.failures] == [
        ("clip-02", 2, "blocked: SAFETY")
    ]
    assert manifest.video_submissions == 2


def test_manifest_missing_thumbnail_alone_is_partial(settings: Settings) -> None:
    steps = [clip(1, StepStatus.SUCCEEDED), thumb(StepStatus.FAILED)]

    manifest = build_manifest(job_id="j", story=make_story(1), steps=steps, settings=settings)

    assert manifest.status == "partial"
    assert manifest.thumbnail is None
    assert manifest.failures[0].step == "thumbnail"


def test_manifest_cancelled_job_is_cancelled_and_lists_the_job_reason(
    settings: Settings,
) -> None:
    steps = [clip(1, StepStatus.PENDING), clip(2, StepStatus.SUBMITTED, operation="op/2")]

    manifest = build_manifest(
        job_id="j", story=make_story(2), steps=steps, settings=settings, reasons=["cancelled"]
    )

    assert manifest.status == "cancelled"
    reasons = [(f.step, f.reason) for f in manifest.failures]
    assert ("job", "cancelled") in reasons
    assert any(step == "clip-02" and "resume" in reason for step, reason in reasons)
    assert manifest.clips[1].operation == "op/2"


def test_manifest_without_story_is_failed(settings: Settings) -> None:
    story_step = StepRecord(key="story", kind=StepKind.STORY, status=StepStatus.FAILED, error="no")

    manifest = build_manifest(job_id="j", story=None, steps=[story_step], settings=settings)

    assert manifest.status == "failed"
    assert manifest.story is None
    assert manifest.estimated_cost_usd is None
    assert [(f.step, f.reason) for f in manifest.failures] == [("story", "no")]


def test_manifest_unknown_model_price_is_not_guessed(tmp_output: Path) -> None:
    settings = job_settings(tmp_output).model_copy(
        update={"google": job_settings(tmp_output).google.model_copy(update={"video_model": "x"})}
    )

    assert estimate_cost_usd(settings, 32) is None


def test_manifest_write_is_atomic_json(settings: Settings, tmp_path: Path) -> None:
    manifest = build_manifest(
        job_id="j", story=make_story(1), steps=[clip(1, StepStatus.SUCCEEDED)], settings=settings
    )

    folder = tmp_path / "job"
    path = write_manifest(folder, manifest)

    assert json.loads(path.read_text()) == manifest.to_json()
    assert [p.name for p in folder.iterdir()] == ["manifest.json"]
