"""Prices per model, audio and resolution; the manifest's estimated and submitted per kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyreel.jobs.manifest import build_manifest
from storyreel.jobs.models import StepKind, StepRecord, StepStatus, clip_step_key
from storyreel.jobs.prices import speech_seconds, video_usd
from storyreel.jobs.reel_manifest import voice_step_key
from storyreel.settings import load_settings

from .conftest import job_settings
from .fakes import make_story

PRICES = {
    "veo-x": {
        "without_audio": 0.2,
        "with_audio": 0.4,
        "resolutions": {"1080p": {"without_audio": 0.3, "with_audio": 0.5}},
    },
    "veo-old": 0.25,
}


@pytest.mark.parametrize(
    ("model", "audio", "resolution", "per_second"),
    [
        ("veo-x", False, "720p", 0.2),
        ("veo-x", True, "720p", 0.4),
        ("veo-x", False, "1080p", 0.3),
        ("veo-x", True, "1080p", 0.5),
        # The older form, one number per model, is one price with or without audio.
        ("veo-old", True, "1080p", 0.25),
        ("veo-old", False, "720p", 0.25),
    ],
)
def test_video_price_by_audio_and_resolution(
    tmp_path: Path, model: str, audio: bool, resolution: str, per_second: float
) -> None:
    settings = load_settings(
        {
            "output_dir": str(tmp_path),
            "google": {"video_model": model},
            "video": {
                "price_per_second_usd": PRICES,
                "generate_audio": audio,
                "resolution": resolution,
            },
        },
        env={},
        dotenv=None,
    )
    assert video_usd(settings, 10) == pytest.approx(10 * per_second)


def test_default_prices_tell_audio_apart(tmp_path: Path) -> None:
    silent = job_settings(tmp_path)
    loud = job_settings(tmp_path, generate_audio=True)
    silent_usd, loud_usd = video_usd(silent, 8), video_usd(loud, 8)
    assert silent_usd is not None
    assert loud_usd is not None
    assert silent_usd < loud_usd


def test_manifest_records_estimated_and_submitted_per_kind(tmp_path: Path) -> None:
    settings = job_settings(tmp_path)
    story = make_story(2, duration=4)
    steps = [
        # Clip 1 was submitted twice (an unknown outcome, then again); clip 2 never.
        StepRecord(key=clip_step_key(1), kind=StepKind.CLIP, index=1, submissions=2),
        StepRecord(key=clip_step_key(2), kind=StepKind.CLIP, index=2),
        StepRecord(key="thumbnail", kind=StepKind.THUMBNAIL, attempts=1),
        StepRecord(
            key=voice_step_key(1),
            kind=StepKind.VOICE,
            index=1,
            attempts=1,
            status=StepStatus.SUCCEEDED,
        ),
        StepRecord(key=voice_step_key(2), kind=StepKind.VOICE, index=2),
    ]
    manifest = build_manifest(job_id="j", story=story, steps=steps, settings=settings)
    costs = {entry.kind: entry for entry in manifest.costs}
    per_second = video_usd(settings, 1)
    assert per_second is not None
    assert (costs["clips"].estimated, costs["clips"].submitted) == (8.0, 8.0)
    assert costs["clips"].estimated_usd == pytest.approx(8 * per_second)
    assert (costs["images"].estimated, costs["images"].submitted) == (1.0, 1.0)
    assert costs["images"].submitted_usd == pytest.approx(settings.google.price_per_image_usd)
    spoken = [speech_seconds(settings, s.narration) for s in story.segments]
    assert costs["voice"].estimated == pytest.approx(sum(spoken))
    assert costs["voice"].submitted == pytest.approx(spoken[0])
    assert manifest.to_json()["costs"][0]["kind"] == "clips"
