"""The backoff schedule and the polling loop's timeout arithmetic."""

from __future__ import annotations

import itertools

import pytest

from storyreel.errors import ProviderError
from storyreel.services.google.polling import PollSchedule, backoff_delays, poll_until_done


class _State:
    def __init__(self, done: bool) -> None:
        self.done = done


def test_backoff_delays_double_up_to_the_cap() -> None:
    assert list(itertools.islice(backoff_delays(2.0, 20.0), 6)) == [2, 4, 8, 16, 20, 20]


def test_backoff_delays_initial_above_cap_is_capped() -> None:
    assert list(itertools.islice(backoff_delays(5.0, 1.0), 2)) == [1.0, 1.0]


async def test_poll_until_done_never_sleeps_past_the_deadline() -> None:
    now = [0.0]
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        now[0] += seconds

    async def poll() -> _State:
        return _State(done=False)

    with pytest.raises(ProviderError, match="timed out after 3 s waiting for x"):
        await poll_until_done(
            poll,
            operation="op",
            label="x",
            schedule=PollSchedule(initial_s=1.0, max_s=10.0, timeout_s=3.0),
            sleep=sleep,
            clock=lambda: now[0],
        )

    assert sleeps == [1.0, 2.0]  # the second sleep is cut to the 3 s budget
