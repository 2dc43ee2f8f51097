"""A clock that only moves when the code under test sleeps: waits are counted, not timed; and
the two places budgets live (a SQLite file, a PostgreSQL database), for the contract tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from storyreel.quota import Limiter
from storyreel.settings_quota import RateLimit


class FakeClock:
    """Unix-like time that only ``sleep`` advances (yielding to other tasks on the way)."""

    def __init__(self, start: float = 1_000_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        # Concurrent sleepers each wake at their own start plus their wait, as in real time.
        self.slept.append(seconds)
        wake = self.now + seconds
        await asyncio.sleep(0)
        self.now = max(self.now, wake)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


LimiterFactory = Callable[..., Limiter]


@pytest.fixture(params=["sqlite", "postgresql"])
def budget_where(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where budgets live, on each backend: a file in ``tmp_path``, or a fresh PostgreSQL
    database brought to storyreel's schema (its URL)."""
    if request.param == "sqlite":
        return tmp_path / "storyreel-quota.sqlite3"
    from storyreel.db_schema import upgrade

    url: str = request.getfixturevalue("postgres_url")
    upgrade(url)
    return url


@pytest.fixture
def make_limiter(budget_where: Path | str, clock: FakeClock) -> Iterator[LimiterFactory]:
    """Limiters on one budget store (as two processes sharing a folder or a database)."""
    made: list[Limiter] = []

    def make(limit: RateLimit | None = None, *, max_in_flight: int | None = None) -> Limiter:
        limiter = Limiter(
            budget_where,
            lambda kind, model: [limit] if limit and model.startswith("veo") else [],
            max_in_flight=max_in_flight,
            clock=clock.time,
            sleep=clock.sleep,
        )
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        limiter.close()
