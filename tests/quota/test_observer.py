"""The limiter tells its observer of every call (and how it failed) and of every wait."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyreel.quota import VIDEO_POLL, VIDEO_SUBMIT, Limiter
from storyreel.quota.observing import error_label
from storyreel.settings_quota import RateLimit

from .conftest import FakeClock


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.waits: list[tuple[str, float]] = []

    def called(self, kind: str, model: str, error: str | None) -> None:
        self.calls.append((kind, model, error))

    def waited(self, kind: str, model: str, seconds: float) -> None:
        self.waits.append((kind, seconds))


class Refused(Exception):
    status_code = 429


class Broken(Recorder):
    def called(self, kind: str, model: str, error: str | None) -> None:
        raise OSError("disk full")


async def _ok() -> str:
    return "ok"


async def _refused() -> str:
    raise Refused("slow down")


async def test_every_call_and_wait_is_told(tmp_path: Path, clock: FakeClock) -> None:
    seen = Recorder()
    limiter = Limiter(
        tmp_path / "quota.sqlite3",
        lambda kind, model: [RateLimit(requests=1, per_s=10)] if kind == VIDEO_SUBMIT else [],
        clock=clock.time,
        sleep=clock.sleep,
        observer=seen,
    )
    try:
        await limiter.call(VIDEO_SUBMIT, "veo", _ok, throttled=lambda exc: None)
        await limiter.call(VIDEO_SUBMIT, "veo", _ok, throttled=lambda exc: None)  # waits 10 s
        with pytest.raises(Refused):
            await limiter.call(VIDEO_POLL, "veo", _refused, throttled=lambda exc: None)
    finally:
        limiter.close()
    assert seen.calls == [
        (VIDEO_SUBMIT, "veo", None),
        (VIDEO_SUBMIT, "veo", None),
        (VIDEO_POLL, "veo", "http_429"),
    ]
    assert [kind for kind, _ in seen.waits] == [VIDEO_SUBMIT]
    assert seen.waits[0][1] >= 9.0


async def test_an_observer_that_fails_never_fails_the_call(tmp_path: Path) -> None:
    limiter = Limiter(None, observer=Broken())
    assert await limiter.call(VIDEO_POLL, "veo", _ok, throttled=lambda exc: None) == "ok"


def test_error_labels_name_the_status_or_the_exception() -> None:
    assert error_label(Refused()) == "http_429"
    assert error_label(TimeoutError()) == "TimeoutError"
