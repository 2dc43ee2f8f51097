"""Polling when a clip is due: the first poll at the expected time, then the fast interval;
without an expectation the doubling schedule, unchanged."""

from __future__ import annotations

import itertools
from pathlib import Path

from storyreel.quota import VIDEO_POLL, Limiter
from storyreel.services.google.media import MediaService
from storyreel.services.google.polling import (
    PollPace,
    PollSchedule,
    backoff_delays,
    due_delays,
    operation_model,
    poll_until_done,
)
from storyreel.settings import Settings, load_settings
from storyreel.settings_quota import RateLimit
from storyreel.testing import RecordingGenai


class _State:
    def __init__(self, done: bool) -> None:
        self.done = done


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        {
            "output_dir": str(tmp_path),
            "google": {"vertexai": True, "api_key": "k"},
            "video": {"poll_initial_s": 0.5, "poll_max_s": 4.0, "poll_fast_s": 0.25},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def test_due_delays_wait_for_the_due_time_then_poll_fast() -> None:
    assert list(itertools.islice(due_delays(7.5, 0.3), 4)) == [7.5, 0.3, 0.3, 0.3]
    assert next(due_delays(-1.0, 0.3)) == 0.0  # already overdue: poll at once


def test_poll_schedule_without_expectation_is_the_doubling_schedule() -> None:
    schedule = PollSchedule(initial_s=2.0, max_s=20.0, timeout_s=900.0)
    assert list(itertools.islice(schedule.delays(), 7)) == list(
        itertools.islice(backoff_delays(2.0, 20.0), 7)
    )


def test_poll_schedule_fast_interval_never_exceeds_the_cap() -> None:
    schedule = PollSchedule(initial_s=2.0, max_s=1.0, timeout_s=900.0, first_s=5.0, fast_s=3.0)
    assert list(itertools.islice(schedule.delays(), 3)) == [5.0, 1.0, 1.0]


async def test_due_polls_start_every_fast_interval_whatever_a_poll_takes() -> None:
    now = [0.0]
    started: list[float] = []

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    async def poll() -> _State:
        started.append(now[0])
        now[0] += 0.1  # each answer takes a tenth of a second
        return _State(done=len(started) == 4)

    await poll_until_done(
        poll,
        operation="op",
        label="x",
        schedule=PollSchedule(1.0, 20.0, 60.0, first_s=6.0, fast_s=0.5),
        sleep=sleep,
        clock=lambda: now[0],
    )
    assert started == [6.0, 6.5, 7.0, 7.5]


async def test_wait_video_without_expectation_polls_on_the_doubling_schedule(
    tmp_path: Path,
) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = RecordingGenai(polls=6)
    media = MediaService(client, _settings(tmp_path), sleep=sleep)
    operation = await media.submit_video(media.video_request("a fox"), label="segment 01")
    await media.wait_video(operation, tmp_path / "a.mp4", label="segment 01")
    assert slept == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


async def test_wait_video_with_expectation_polls_when_due_then_fast(tmp_path: Path) -> None:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    client = RecordingGenai(polls=3)
    media = MediaService(client, _settings(tmp_path), sleep=sleep, clock=lambda: 0.0)
    operation = await media.submit_video(media.video_request("a fox"), label="segment 01")
    answers: list[bool] = []
    pace = PollPace(9.0, answered=answers.append)
    await media.wait_video(operation, tmp_path / "a.mp4", label="segment 01", pace=pace)
    assert slept == [9.0, 0.25, 0.25]
    assert answers == [False, False, True]
    assert [c.method for c in client.calls].count("operations.get") == 3


def test_operation_model_is_read_from_the_operation_name() -> None:
    name = "projects/p/locations/us-central1/publishers/google/models/veo-3.1/operations/abc"
    assert operation_model(name) == "veo-3.1"


def test_time_spent_waiting_for_a_scout_counts_against_the_timeout(tmp_path: Path) -> None:
    video = _settings(tmp_path).video
    assert PollSchedule.of(video) == PollSchedule(0.5, 4.0, 900.0)
    paced = PollSchedule.of(video, PollPace(3.0, waited_s=100.0))
    assert (paced.timeout_s, paced.first_s, paced.fast_s) == (800.0, 3.0, 0.25)


async def test_a_poll_is_heard_as_sent_only_once_its_quota_budget_is_granted(
    tmp_path: Path,
) -> None:
    # One poll per 30 s of budget: the 2nd and 3rd polls wait for it. The learned Veo time
    # is read from when polls were sent; a wait for budget taken for Veo's time would teach
    # the folder that clips take longer (or shorter) than they do.
    now = [1_000_000.0]
    events: list[tuple[str, float]] = []

    async def sleep(seconds: float) -> None:
        events.append(("slept", seconds))
        now[0] += seconds

    def limits(kind: str, model: str) -> list[RateLimit]:
        return [RateLimit(requests=1, per_s=30)] if kind == VIDEO_POLL else []

    limiter = Limiter(tmp_path / "q.sqlite3", limits, clock=lambda: now[0], sleep=sleep)
    client = RecordingGenai(polls=3)
    media = MediaService(
        client, _settings(tmp_path), sleep=sleep, clock=lambda: now[0], limiter=limiter
    )
    operation = await media.submit_video(media.video_request("a fox"), label="segment 01")
    pace = PollPace(1.0, sent=lambda: events.append(("sent", now[0])))
    try:
        await media.wait_video(operation, tmp_path / "a.mp4", label="segment 01", pace=pace)
    finally:
        limiter.close()
    sent = [at for what, at in events if what == "sent"]
    assert len(sent) == 3
    # Each poll after the first went out a budget window after the one before, and was
    # heard of then, not when the schedule first asked for it.
    assert all(later - earlier >= 30 for earlier, later in itertools.pairwise(sent))
    waits = [seconds for what, seconds in events if what == "slept" and seconds > 1]
    assert waits, events
