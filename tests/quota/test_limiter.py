"""The limiter on its own: budgets spaced by an injected clock, shared through one file."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from storyreel.quota import VIDEO_SUBMIT, Limiter, WaitListener, WaitTally, waits_reported
from storyreel.settings_quota import RateLimit

from .conftest import FakeClock, LimiterFactory

MODEL = "veo-3.1-fast-generate-001"


def _most_in_any_window(times: list[float], window: float) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_limiter_spaces_calls_to_the_budget(make_limiter: LimiterFactory, clock: FakeClock) -> None:
    limiter = make_limiter(RateLimit(requests=2, per_s=10))
    taken: list[float] = []

    async def burst() -> None:
        for _ in range(7):
            await limiter.acquire(VIDEO_SUBMIT, MODEL)
            taken.append(clock.now)

    asyncio.run(burst())
    start = taken[0]
    assert len(taken) == 7
    assert _most_in_any_window(taken, 10.0) == 2
    # No slower than the budget: the 7th call goes in the 4th window.
    assert taken[-1] - start < 4 * 10.0 * 1.03


def test_limiter_unlimited_model_never_waits_and_writes_nothing(
    tmp_path: Path, clock: FakeClock
) -> None:
    limiter = Limiter(tmp_path / "q.sqlite3", clock=clock.time, sleep=clock.sleep)

    async def many() -> None:
        for _ in range(50):
            await limiter.acquire(VIDEO_SUBMIT, "gemini-2.5-flash-image")

    asyncio.run(many())
    assert clock.slept == []
    assert not (tmp_path / "q.sqlite3").exists()


def test_limiter_two_processes_on_one_folder_share_the_budget(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    first, second = (
        make_limiter(RateLimit(requests=2, per_s=6)),
        make_limiter(RateLimit(requests=2, per_s=6)),
    )
    order: list[tuple[str, float]] = []

    async def run() -> None:
        for name, limiter in (("a", first), ("b", second), ("a", first), ("b", second)):
            await limiter.acquire(VIDEO_SUBMIT, MODEL)
            order.append((name, clock.now))

    asyncio.run(run())
    times = [t for _, t in order]
    assert times[0] == times[1]  # the budget's two requests, one from each
    assert times[2] >= times[0] + 6  # the third waits for the window, whoever asks
    assert _most_in_any_window(times, 6.0) == 2


def test_limiter_429_pauses_every_user_of_that_client(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    hit, other = make_limiter(), make_limiter()

    class Throttled(Exception):
        pass

    async def refused() -> None:
        raise Throttled

    async def run() -> tuple[float, float]:
        with contextlib.suppress(Throttled):
            await hit.call(VIDEO_SUBMIT, MODEL, refused, throttled=lambda exc: 7.5)
        start = clock.now
        await other.acquire(VIDEO_SUBMIT, "gemini-2.5-flash-image")  # another budget: free
        free = clock.now - start
        await other.acquire(VIDEO_SUBMIT, MODEL)
        return free, clock.now - start

    free, paused = asyncio.run(run())
    assert free == 0
    assert paused >= 7.5


def test_limiter_wait_is_reported_tallied_and_listed(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    limiter = make_limiter(RateLimit(requests=1, per_s=30))
    heard: list[str] = []
    listed: list[list[str]] = []
    tally = WaitTally()
    original_sleep = clock.sleep

    async def sleep_and_look(seconds: float) -> None:
        listed.append([f"{w.job_id}/{w.step}: {w.what}" for w in limiter.waits("job-1")])
        await original_sleep(seconds)

    clock.sleep = sleep_and_look  # type: ignore[method-assign]
    limiter._sleep = sleep_and_look

    async def run() -> None:
        with waits_reported(WaitListener(report=heard.append, job_id="job-1", step="clip-02")):
            await limiter.acquire(VIDEO_SUBMIT, MODEL, tally=tally)
            await limiter.acquire(VIDEO_SUBMIT, MODEL, tally=tally)

    asyncio.run(run())
    assert heard == ["waiting for Veo quota"]
    assert listed
    assert listed[0] == ["job-1/clip-02: waiting for Veo quota"]
    assert limiter.waits() == []
    assert tally.waited_s >= 30


def test_limiter_in_flight_caps_operations_across_limiters(
    make_limiter: LimiterFactory, clock: FakeClock
) -> None:
    one, two = make_limiter(max_in_flight=1), make_limiter(max_in_flight=1)
    entered: list[str] = []

    async def run() -> None:
        release, holding = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with one.in_flight():
                entered.append("first")
                holding.set()
                await release.wait()

        async def follow() -> None:
            async with two.in_flight():
                entered.append("second")

        first = asyncio.ensure_future(hold())
        await holding.wait()
        second = asyncio.ensure_future(follow())
        # Until the second limiter has been told to wait for a slot (it sleeps), and a while.
        while len(clock.slept) < 3:
            await asyncio.sleep(0.001)
        assert entered == ["first"]
        release.set()
        await asyncio.gather(first, second)

    asyncio.run(run())
    assert entered == ["first", "second"]
