"""The services under a limiter: budget waits are not a clip's time, and a 429 pauses the
client for every service sharing the budget file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx2
import pytest
from google.genai import errors

from storyreel.errors import ProviderError
from storyreel.quota import Limiter, settings_limits
from storyreel.services.google.media import MediaService
from storyreel.services.google.speech import SpeechService
from storyreel.settings import Settings, load_settings
from storyreel.testing import RecordingGenai

from .conftest import FakeClock

OPERATION = "projects/p/locations/l/publishers/google/models/veo-3.1-fast-generate-001/operations/1"


def _settings(tmp_path: Path, **google: object) -> Settings:
    return load_settings(
        {
            "output_dir": str(tmp_path),
            "google": {"max_retries": 2, **google},
            "video": {"poll_initial_s": 1, "poll_max_s": 1, "timeout_s": 50},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def _limiter(settings: Settings, clock: FakeClock) -> Limiter:
    return Limiter(
        settings.output_dir / "storyreel-quota.sqlite3",
        settings_limits(settings),
        clock=clock.time,
        sleep=clock.sleep,
    )


def test_waiting_for_poll_budget_does_not_count_against_the_clip_timeout(
    tmp_path: Path, clock: FakeClock
) -> None:
    # One poll every 100 s, three polls to finish, a 50 s timeout: only waits push it past.
    settings = _settings(
        tmp_path, rate_limits={"video_poll": {"veo-*": {"requests": 1, "per_s": 100}}}
    )
    client = RecordingGenai(polls=3)
    limiter = _limiter(settings, clock)
    media = MediaService(client, settings, sleep=clock.sleep, clock=clock.time, limiter=limiter)
    start = clock.now
    result = asyncio.run(media.wait_video(OPERATION, tmp_path / "clip.mp4", label="clip 1"))
    limiter.close()
    assert result.bytes > 0
    assert (tmp_path / "clip.mp4").is_file()
    assert len(client.calls_of("operations.get")) == 3
    assert clock.now - start > 2 * 100  # well past video.timeout_s, all of it budget waits


def _throttled(retry_after_s: int) -> errors.APIError:
    response = httpx2.Response(429, headers={"Retry-After": str(retry_after_s)})
    body = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
    return errors.ClientError(429, body, response)


def test_a_429_with_retry_after_pauses_the_client_for_every_service(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = _settings(tmp_path)
    submitter = RecordingGenai().fail("generate_videos", _throttled(40))
    media = MediaService(
        submitter, settings, sleep=clock.sleep, clock=clock.time, limiter=_limiter(settings, clock)
    )
    # Another job's service (another process: its own limiter on the same folder).
    other = MediaService(
        RecordingGenai(),
        settings,
        sleep=clock.sleep,
        clock=clock.time,
        limiter=_limiter(settings, clock),
    )

    async def run() -> tuple[float, float]:
        request = media.video_request("a lighthouse at dusk")
        await media.submit_video(request, label="clip 1")
        after_429 = clock.now
        await other.submit_video(request, label="clip 2")
        return after_429, clock.now

    start = clock.now
    after_429, end = asyncio.run(run())
    assert after_429 - start >= 40  # the refused submit waited for Retry-After
    assert len(submitter.calls_of("generate_videos")) == 2
    assert end >= start + 40  # and so did the other service, which never saw a 429


def test_speech_429_pauses_speech_for_the_next_caller(tmp_path: Path, clock: FakeClock) -> None:
    settings = _settings(tmp_path, max_retries=0)
    throttled = RecordingGenai().fail("generate_content", _throttled(12))
    first = SpeechService(throttled, settings, sleep=clock.sleep, limiter=_limiter(settings, clock))
    limiter = _limiter(settings, clock)

    async def run() -> float:
        with pytest.raises(ProviderError):
            await first.speak("Once upon a time.", label="voice 1")
        start = clock.now
        await limiter.acquire("speech", settings.google.tts_model)
        return clock.now - start

    assert asyncio.run(run()) >= 12
    limiter.close()
