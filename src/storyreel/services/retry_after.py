"""How long a provider asked us to wait: the one reader of Retry-After headers."""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from datetime import UTC
from email.utils import parsedate_to_datetime


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Seconds to wait from ``retry-after-ms``, else ``retry-after`` (seconds or an HTTP date).

    Header names are matched in any case. Returns None when neither header is there or
    readable, and for a NaN, infinite or negative number; a date in the past means 0.
    ``now`` is the current Unix time (a seam for tests).
    """
    named = {key.lower(): value for key, value in headers.items()}
    millis = _usable(_number(named.get("retry-after-ms")))
    if millis is not None:
        return millis / 1000
    value = named.get("retry-after")
    if value is None:
        return None
    seconds = _number(value)
    if seconds is None:
        return _until(value, time.time() if now is None else now)
    return _usable(seconds)


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _usable(seconds: float | None) -> float | None:
    # Only a wait a client can sleep for: finite and not negative.
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def _until(value: str, now: float) -> float | None:
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; "-0000" comes back without a zone.
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


__all__ = ["parse_retry_after"]
