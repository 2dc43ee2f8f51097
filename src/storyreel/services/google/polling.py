"""Backoff schedules and the polling loop of long-running operations."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, TypeVar

from storyreel.errors import ProviderError
from storyreel.logs import redact
from storyreel.services.google import errors as gerr
from storyreel.settings import VideoSettings

logger = logging.getLogger(__name__)

# Unreadable poll answers in a row before polling gives up with a clear error.
MAX_MALFORMED_POLLS = 3
_POLL_THROUGH = frozenset({gerr.Outcome.REFUSED, gerr.Outcome.TRANSIENT})


class OperationGone(ProviderError):
    """Google has no operation by that name (HTTP 404 on a poll): it expired, or was never
    Google's. Final: polling again gets the same answer, and only a new (paid) submission
    can make the clip."""


def backoff_delays(initial_s: float, cap_s: float, factor: float = 2.0) -> Iterator[float]:
    """An endless exponential schedule: ``initial_s``, doubling, never above ``cap_s``.

    >>> import itertools
    >>> list(itertools.islice(backoff_delays(0.05, 0.2), 5))
    [0.05, 0.1, 0.2, 0.2, 0.2]
    """
    delay = min(initial_s, cap_s)
    while True:
        yield delay
        delay = min(delay * factor, cap_s)


def operation_model(operation: str) -> str:
    """The model of an operation name, ``.../models/{model}/operations/{id}``: polls draw
    from the budget of the model polled, and its operation times are learned per model."""
    head, _, _ = operation.partition("/operations/")
    return head.rpartition("/models/")[2] or head


class Pollable(Protocol):
    """A long-running operation's state, as a poll returns it."""

    @property
    def done(self) -> bool | None: ...


OperationT = TypeVar("OperationT", bound=Pollable)


def due_delays(first_s: float, fast_s: float) -> Iterator[float]:
    """Wait ``first_s`` (until shortly before the operation is due), then ``fast_s`` each time.

    >>> import itertools
    >>> list(itertools.islice(due_delays(5.5, 0.3), 3))
    [5.5, 0.3, 0.3]
    """
    yield max(first_s, 0.0)
    while True:
        yield fast_s


@dataclass(frozen=True)
class PollSchedule:
    """Sleep ``initial_s`` before the first poll, doubling to ``max_s``; stop at ``timeout_s``.

    With ``first_s`` (the operation is expected to be done about then) the first poll comes
    after ``first_s`` instead, and the next ones every ``fast_s`` (at most ``max_s``).
    """

    initial_s: float
    max_s: float
    timeout_s: float
    first_s: float | None = None
    fast_s: float | None = None

    @classmethod
    def of(cls, video: VideoSettings, pace: PollPace | None = None) -> PollSchedule:
        """The schedule of one wait on ``video``'s settings, paced by ``pace`` when given."""
        if pace is None:
            return cls(video.poll_initial_s, video.poll_max_s, video.timeout_s)
        timeout_s = max(video.timeout_s - pace.waited_s, 0.0)
        return cls(
            video.poll_initial_s, video.poll_max_s, timeout_s, pace.first_s, video.poll_fast_s
        )

    def delays(self) -> Iterator[float]:
        """The waits before each poll."""
        if self.first_s is None:
            return backoff_delays(self.initial_s, self.max_s)
        return due_delays(self.first_s, min(self.fast_s or self.max_s, self.max_s))


@dataclass(frozen=True)
class PollPace:
    """How a caller that has learned an operation's time paces and watches its polls.

    ``first_s``: seconds from now until the first poll, the next every fast interval (None:
    the doubling schedule). ``sent()`` comes as each poll is sent, its quota budget granted;
    ``answered(done)`` as each answer arrives, before a finished clip is saved.
    """

    first_s: float | None = None
    sent: Callable[[], None] | None = None
    answered: Callable[[bool], None] | None = None
    # What the caller already waited for this clip before polling: part of video.timeout_s.
    waited_s: float = 0.0


async def poll_until_done(
    poll: Callable[[], Awaitable[OperationT]],
    *,
    operation: str,
    label: str,
    schedule: PollSchedule,
    sleep: Callable[[float], Awaitable[object]],
    clock: Callable[[], float],
    on_poll: Callable[[int], None] | None = None,
    pace: PollPace | None = None,
) -> OperationT:
    """Call ``poll`` on the schedule until it reports ``done``, and return that answer.

    A poll is idempotent, so REFUSED and TRANSIENT failures (throttling, 5xx, network
    failures and, up to MAX_MALFORMED_POLLS in a row, unreadable answers) are polled
    through until the timeout; others are raised at once. ``on_poll(n)`` follows the n-th
    poll; ``pace`` hears of each poll answered (``poll`` itself tells it of each one sent,
    once its quota budget is granted: a wait for budget is no part of Veo's time).
    """
    deadline = clock() + schedule.timeout_s
    delays = schedule.delays()
    polls = malformed = 0
    last_problem: str | None = None
    polled_at: float | None = None
    while True:
        remaining = deadline - clock()
        if remaining <= 0:
            raise _timeout(schedule.timeout_s, operation, label, last_problem)
        delay = next(delays)
        if schedule.first_s is not None and polled_at is not None:
            # Once due, a poll starts every fast interval: the last poll's own time is not
            # added to the wait, so a clip is collected within one interval of being ready.
            delay = max(delay - (clock() - polled_at), 0.0)
        await sleep(min(delay, remaining))
        polled_at = clock()
        polls += 1
        try:
            current = await poll()
        except Exception as exc:
            if gerr.classify(exc, idempotent=True) not in _POLL_THROUGH:
                if gerr.api_error_status(exc) == 404:
                    raise _gone(exc, operation, label) from exc
                raise gerr.to_error(exc, what=f"polling {label} ({operation})") from exc
            problem = _problem(exc)
            malformed = malformed + 1 if isinstance(exc, ValueError) else 0
            if malformed >= MAX_MALFORMED_POLLS:
                raise ProviderError(
                    f"Google answered {malformed} polls in a row for {label} with {problem}; "
                    f"operation {operation} can be polled again later",
                    provider=gerr.PROVIDER,
                    retryable=True,
                ) from exc
            last_problem = problem
            logger.warning("%s: poll %d failed (%s); polling on", label, polls, problem)
            continue
        finally:
            if on_poll is not None:
                on_poll(polls)
        malformed = 0
        if pace is not None and pace.answered is not None:
            pace.answered(bool(current.done))
        if current.done:
            return current


def _problem(exc: Exception) -> str:
    # A poll failure worth polling through, in words for the log and the timeout error.
    status = gerr.api_error_status(exc)
    if status is not None:
        return f"HTTP {status}"
    if isinstance(exc, ValueError):
        return f"an unreadable answer ({type(exc).__name__})"
    return type(exc).__name__


def _gone(exc: Exception, operation: str, label: str) -> OperationGone:
    detail = redact(str(getattr(exc, "message", None) or exc)).strip().rstrip(".")
    return OperationGone(
        f"{label}: operation {operation} is gone at Google (HTTP 404: {detail}); it expired "
        "or was never Google's, and polling again cannot bring the clip back",
        provider=gerr.PROVIDER,
        status=404,
        retryable=False,
    )


def _timeout(timeout_s: float, operation: str, label: str, problem: str | None) -> ProviderError:
    seen = f"; the last poll failed with {problem}" if problem else ""
    return ProviderError(
        f"timed out after {timeout_s:g} s waiting for {label}{seen}. Operation {operation} "
        "may still finish: resuming polls it again without paying twice",
        provider=gerr.PROVIDER,
        status=None,
        retryable=True,
        timeout=True,
    )


__all__ = [
    "MAX_MALFORMED_POLLS",
    "OperationGone",
    "PollPace",
    "PollSchedule",
    "backoff_delays",
    "due_delays",
    "operation_model",
    "poll_until_done",
]
