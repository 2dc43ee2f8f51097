"""Learning each model's operation time from the job store, and the waits it paces."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from jobs.fakes import FakeMedia
from storyreel.jobs.activity import ActivityLog, OperationRow, Shape
from storyreel.jobs.op_times import bracket, learn
from storyreel.jobs.pacing import PacedClips
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.services.google.media import VideoResult
from storyreel.services.google.polling import PollPace
from storyreel.settings import Settings, load_settings

SHAPE = Shape("veo-3.1-fast-generate-001", "720p", 8)


def _settings(tmp_path: Path) -> Settings:
    return load_settings(
        {"output_dir": str(tmp_path), "video": {"poll_max_s": 20, "poll_fast_s": 2}},
        config_file=None,
        env={},
        dotenv=None,
    )


def _row(pending_s: float | None, done_s: float) -> OperationRow:
    return OperationRow("op", SHAPE, 0.0, 3, pending_s, done_s, "succeeded")


def _log(tmp_path: Path) -> ActivityLog:
    SqliteJobStore.in_output_dir(tmp_path).close()  # the activity lives in the job store
    return ActivityLog.in_output_dir(tmp_path)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Veo:
    """A media service whose polls are sent at given seconds after the wait starts (on a
    fake clock), recording the first poll each wait was asked for."""

    def __init__(self, clock: Clock, polls: dict[str, list[float]] | None = None) -> None:
        self.media = FakeMedia()
        self.clock = clock
        self.polls = polls or {}
        self.asked: dict[str, float | None] = {}
        self.media.wait_video = self.wait  # type: ignore[method-assign]

    async def wait(self, operation: str, dest: Path, **kwargs: Any) -> VideoResult:
        label: str = kwargs["label"]
        pace: PollPace = kwargs["pace"]
        self.asked[label] = pace.first_s
        assert pace.sent is not None
        assert pace.answered is not None
        started = self.clock.now
        times = self.polls.get(label, [1.0])
        for n, at in enumerate(times, 1):
            self.clock.now = started + at
            pace.sent()
            pace.answered(n == len(times))
            await asyncio.sleep(0)
        return VideoResult(dest, operation, 1, 8.0, None)


def test_bracket_runs_from_the_last_poll_running_to_the_poll_done() -> None:
    assert bracket(_row(40.0, 44.0), fast_s=2.0) == (40.0, 44.0)
    # Done at the first poll: ready some time before, one fast interval assumed.
    assert bracket(_row(None, 10.0), fast_s=2.0) == (8.0, 10.0)


def test_learned_time_is_a_low_percentile_not_the_mean() -> None:
    rows = [_row(t - 1, t + 1) for t in (50, 52, 54, 56, 58, 60, 62, 64, 66, 200)]
    learned = learn(rows, fast_s=2.0)
    assert learned is not None
    assert (learned.expected_s, learned.close) == (52.0, True)  # the mean (~71 s): late
    assert learn([], fast_s=2.0) is None


def test_operations_polled_fast_outvote_the_doubling_schedule() -> None:
    doubling = [_row(20.0, 40.0), _row(20.0, 40.0)]
    alone = learn(doubling, fast_s=2.0)
    assert alone is not None
    assert (alone.expected_s, alone.earliest_s, alone.latest_s, alone.close) == (
        30.0,
        20.0,
        40.0,
        False,
    )
    fast = [_row(35.0, 37.0), _row(36.0, 38.0), _row(34.0, 36.0)]
    both = learn([*doubling, *fast], fast_s=2.0)
    assert both is not None
    assert (both.expected_s, both.close, both.samples) == (35.0, True, 5)


async def test_no_history_leaves_the_doubling_schedule(tmp_path: Path) -> None:
    veo = Veo(Clock())
    paced = PacedClips(veo.media, _log(tmp_path), _settings(tmp_path), clock=veo.clock)
    operation = await paced.submit_video(veo.media.video_request("a fox"), label="segment 01")
    await paced.wait_video(operation, tmp_path / "a.mp4", label="segment 01")
    assert veo.asked == {"segment 01": None}


async def test_close_history_paces_the_first_poll_before_the_clip_is_due(
    tmp_path: Path,
) -> None:
    log, clock = _log(tmp_path), Clock()
    veo = Veo(clock, {"segment 01": [60.0, 62.0, 64.0], "segment 02": [1.0]})
    paced = PacedClips(veo.media, log, _settings(tmp_path), clock=clock)
    first = await paced.submit_video(veo.media.video_request("a fox"), label="segment 01")
    await paced.wait_video(first, tmp_path / "a.mp4", label="segment 01")
    recorded = log.operation(first)
    assert recorded is not None
    assert (recorded.polls, recorded.pending_s, recorded.done_s) == (3, 62.0, 64.0)

    second = await paced.submit_video(veo.media.video_request("a fox"), label="segment 02")
    clock.now += 10.0  # the wait starts 10 s after the submit (a resume, say)
    await paced.wait_video(second, tmp_path / "b.mp4", label="segment 02")
    # Learned 63 s; the first poll half a fast interval (1 s) before, 10 s already gone.
    assert veo.asked["segment 02"] == 52.0


async def test_after_the_doubling_schedule_one_scout_finds_the_time_for_the_others(
    tmp_path: Path,
) -> None:
    log, clock = _log(tmp_path), Clock()
    settings = _settings(tmp_path)
    # The warm-up, on the doubling schedule: running at 30 s, done by 50 s.
    veo = Veo(clock, {"warm-up": [30.0, 50.0], "scout": [30.0, 32.0, 34.0, 36.0, 38.0]})
    paced = PacedClips(veo.media, log, settings, clock=clock)
    warm = await paced.submit_video(veo.media.video_request("a fox"), label="warm-up")
    await paced.wait_video(warm, tmp_path / "w.mp4", label="warm-up")

    clock.now += 100.0
    scout, other = [
        await paced.submit_video(veo.media.video_request("a fox"), label=label)
        for label in ("scout", "other")
    ]
    await asyncio.gather(
        paced.wait_video(scout, tmp_path / "s.mp4", label="scout"),
        paced.wait_video(other, tmp_path / "o.mp4", label="other"),
    )
    assert veo.asked["scout"] == 30.0  # from the earliest the clip may be ready, polling fast
    # The other waited for the scout, who found it ready between 36 and 38 s: overdue now.
    assert veo.asked["other"] == 0.0
    row = log.operation(scout)
    assert row is not None
    assert (row.pending_s, row.done_s) == (36.0, 38.0)


async def test_a_failed_wait_counts_its_polls_and_is_not_learned_from(tmp_path: Path) -> None:
    log = _log(tmp_path)
    media = FakeMedia()
    paced = PacedClips(media, log, _settings(tmp_path))
    operation = await paced.submit_video(media.video_request("a fox"), label="segment 01")
    media.wait_errors["segment 01"] = [RuntimeError("boom")]
    with pytest.raises(RuntimeError):
        await paced.wait_video(operation, tmp_path / "a.mp4", label="segment 01")
    row = log.operation(operation)
    assert row is not None
    assert (row.polls, row.outcome, row.done_s) == (1, "failed", None)
    assert log.recent(SHAPE, 20) == []
