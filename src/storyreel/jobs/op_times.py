"""What the job store teaches about Veo operation times: per model, resolution and clip
length, when an operation is most likely ready, and how closely that is known."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storyreel.jobs.activity import ActivityLog, OperationRow, Shape
from storyreel.settings import Settings

# How many recent operations of one shape the estimate is drawn from: enough to outvote a
# slow day, few enough to follow a model that got faster.
LEARNED_FROM = 20
# The estimate is this low percentile of the recent operation times: most clips are not
# ready before it, and a few slow ones do not push every first poll late.
PERCENTILE = 0.2


@dataclass(frozen=True)
class Learned:
    """What ``samples`` recent operations of one shape say (seconds after the submit).

    ``expected_s``: when one is most likely ready. ``close``: whether that is known within
    two fast intervals (some were polled fast); otherwise only the doubling schedule saw them
    and the finish lies somewhere after ``earliest_s`` and by ``latest_s``.
    """

    expected_s: float
    earliest_s: float
    latest_s: float
    close: bool
    samples: int


def fast_interval(settings: Settings) -> float:
    """How often a due operation is polled: ``video.poll_fast_s``, never above the cap."""
    return min(settings.video.poll_fast_s, settings.video.poll_max_s)


def bracket(row: OperationRow, fast_s: float) -> tuple[float, float] | None:
    """When, after its submit, ``row`` became ready: after the last poll that found it running
    and by the poll that found it done. Found done at the first poll, it is taken to have been
    ready one fast interval before."""
    if row.done_s is None:
        return None
    low = row.pending_s if row.pending_s is not None else max(row.done_s - fast_s, 0.0)
    return low, row.done_s


def _low(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[int(PERCENTILE * (len(ordered) - 1))]


def learn(rows: Sequence[OperationRow], fast_s: float) -> Learned | None:
    """The operation time of ``rows`` (one shape): a low percentile of when each was ready
    (the middle of its bracket). Operations polled fast (known within two fast intervals)
    outvote those the doubling schedule found, whose finish is known only within a cap."""
    brackets = [found for row in rows if (found := bracket(row, fast_s)) is not None]
    if not brackets:
        return None
    close = [b for b in brackets if b[1] - b[0] <= 2 * fast_s + 1e-9]
    chosen = close or brackets
    return Learned(
        expected_s=_low([(low + high) / 2 for low, high in chosen]),
        earliest_s=_low([low for low, _ in chosen]),
        latest_s=max(high for _, high in chosen),
        close=bool(close),
        samples=len(brackets),
    )


def learned_time(log: ActivityLog, shape: Shape, settings: Settings) -> Learned | None:
    """What the store's recent operations of ``shape`` say; None without history."""
    return learn(log.recent(shape, LEARNED_FROM), fast_interval(settings))


__all__ = [
    "LEARNED_FROM",
    "PERCENTILE",
    "Learned",
    "bracket",
    "fast_interval",
    "learn",
    "learned_time",
]
