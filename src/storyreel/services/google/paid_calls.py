"""Billed Google calls (a Veo submit, an image): sent once, retried only when refused."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from storyreel.errors import ConfigError, ProviderError
from storyreel.services.google import errors as gerr
from storyreel.services.google.polling import backoff_delays

if TYPE_CHECKING:
    from google.genai import types

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A refused call (429/503, or a connection that never opened) is retried on this schedule, or
# after the server's Retry-After when it sent one; beyond MAX_RETRY_AFTER_S the caller decides.
RETRY_INITIAL_S = 1.0
RETRY_MAX_S = 16.0
MAX_RETRY_AFTER_S = 60.0


class MaybeBilled(Exception):
    """A billed call whose request may have reached Google: its answer was lost."""

    def __init__(self, error: ProviderError | ConfigError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class PaidRetry:
    """How often a refused billed call is sent again, and how to wait."""

    attempts: int
    sleep: Callable[[float], Awaitable[object]]


def no_sdk_retries() -> types.HttpOptions:
    """Per-call options that switch the client's retry policy off: it would also repeat a
    request after a timeout, when Google may already have taken (and billed) it."""
    from google.genai import types

    return types.HttpOptions(retry_options=types.HttpRetryOptions(attempts=1))


async def send_paid(
    call: Callable[[], Awaitable[T]],
    *,
    retry: PaidRetry,
    what: str,
    label: str,
    on_refused: Callable[[ProviderError], None] | None = None,
    before_resend: Callable[[], None] | None = None,
) -> T:
    """``call()``, sent again only when Google certainly refused it.

    An answer lost after the request may have reached Google raises :class:`MaybeBilled`;
    ``on_refused`` hears of each refusal before the wait and ``before_resend`` of each resend.
    """
    delays = backoff_delays(RETRY_INITIAL_S, RETRY_MAX_S)
    for attempt in range(1, retry.attempts + 1):
        try:
            return await call()
        except Exception as exc:
            outcome = gerr.classify(exc)
            error = gerr.to_error(exc, what=what)
            if outcome is gerr.Outcome.AMBIGUOUS:
                raise MaybeBilled(error) from exc
            delay = next(delays)
            if isinstance(error, ProviderError) and error.retry_after_s is not None:
                delay = error.retry_after_s
            refused = outcome is gerr.Outcome.REFUSED
            if not refused or attempt == retry.attempts or delay > MAX_RETRY_AFTER_S:
                raise error from exc
            logger.info("%s: refused (%s); retrying in %.1f s", label, error, delay)
            if on_refused is not None and isinstance(error, ProviderError):
                on_refused(error)
            await retry.sleep(delay)
            if before_resend is not None:
                before_resend()
    raise AssertionError("unreachable: the last attempt returns or raises")


def announced(before: Callable[[], None] | None, send: Callable[[], Awaitable[T]]) -> Awaitable[T]:
    """``send()``, with ``before`` told first, synchronously: nothing comes between them."""
    if before is not None:
        before()
    return send()


class SubmitOutcomeUnknown(ProviderError):
    """The submit may or may not have reached Google (connection dropped/timed out after sending).

    Google may be generating, and billing, the clip; there is no operation name to poll.
    Submitting again may pay twice, which is why nothing retries this on its own.
    """


def outcome_unknown(error: ProviderError | ConfigError) -> SubmitOutcomeUnknown:
    status = error.status if isinstance(error, ProviderError) else None
    return SubmitOutcomeUnknown(
        f"{error}. Google may have accepted it and be generating (and billing) a clip "
        "with no operation name to poll",
        provider=gerr.PROVIDER,
        status=status,
        retryable=True,
    )
