"""Budgets in a job: waits show as progress, and video.max_in_flight holds across jobs."""

from __future__ import annotations

import asyncio
from pathlib import Path

from jobs.fakes import make_story
from storyreel.jobs.cinematographer import Cinematographer
from storyreel.jobs.journal import MemoryJournal, ProgressEvent
from storyreel.quota import Limiter, settings_limits
from storyreel.services.google.media import MediaService
from storyreel.settings import Settings, load_settings
from storyreel.settings_quota import GoogleRateLimits
from storyreel.testing import RecordingGenai

from .conftest import FakeClock


def _settings(out: Path, **extra: object) -> Settings:
    return load_settings(
        {
            "output_dir": str(out),
            "video": {"poll_initial_s": 1, "poll_max_s": 1, **extra},
            "narration": {"enabled": False},
            "reel": {"enabled": False},
            "google": {"rate_limits": {"video_submit": {"veo-*": {"requests": 1, "per_s": 50}}}},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def _crew(settings: Settings, clock: FakeClock, client: RecordingGenai) -> Cinematographer:
    limiter = Limiter(
        settings.output_dir / "storyreel-quota.sqlite3",
        settings_limits(settings),
        max_in_flight=settings.video.max_in_flight,
        clock=clock.time,
        sleep=clock.sleep,
    )
    media = MediaService(client, settings, sleep=clock.sleep, clock=clock.time, limiter=limiter)
    return Cinematographer(media, settings, limiter=limiter)


def test_job_progress_says_waiting_for_veo_quota(tmp_path: Path, clock: FakeClock) -> None:
    settings = _settings(tmp_path)
    events: list[ProgressEvent] = []
    journal = MemoryJournal()
    crew = _crew(settings, clock, RecordingGenai())
    asyncio.run(crew.film(make_story(3), tmp_path, journal=journal, progress=events.append))
    waiting = {e.key for e in events if e.phase == "quota"}
    assert len(waiting) == 2  # the first clip takes the budget; the other two wait
    assert {e.detail for e in events if e.phase == "quota"} == {"waiting for Veo quota"}
    assert all(step.status.value == "succeeded" for step in journal.steps())
    assert clock.now - 1_000_000.0 >= 100  # two waits of a 50 s window


def test_max_in_flight_holds_across_two_jobs(tmp_path: Path, clock: FakeClock) -> None:
    settings = _settings(tmp_path, max_in_flight=1)
    settings = settings.model_copy(
        update={"google": settings.google.model_copy(update={"rate_limits": GoogleRateLimits()})}
    )
    # One Google for both jobs, so that its record shows the order of all their calls.
    google = RecordingGenai(polls=2)

    async def both() -> None:
        # Each job with its own limiter on the shared folder, as two processes would be.
        films = [
            _crew(settings, clock, google).film(
                make_story(2), tmp_path / name, journal=MemoryJournal()
            )
            for name in ("a", "b")
        ]
        await asyncio.gather(*films)

    asyncio.run(both())
    names = {"generate_videos": "submit", "operations.get": "poll"}
    order = [names[call.method] for call in google.calls if call.method in names]
    # One operation at a time across both jobs: each submit, then its two polls.
    assert order == ["submit", "poll", "poll"] * 4
