"""Google calls drawn from the limiter's budgets: what counts as being throttled."""

from __future__ import annotations

from collections.abc import Mapping

from storyreel.quota import DEFAULT_PAUSE_S
from storyreel.services.google import errors as gerr
from storyreel.services.retry_after import parse_retry_after


def google_throttle(exc: Exception) -> float | None:
    """How long a 429 from Google pauses its budget (Retry-After when sent, which Vertex
    rarely does, else the default); None for any other failure."""
    if gerr.api_error_status(exc) != 429:
        return None
    headers = getattr(getattr(exc, "response", None), "headers", None)
    wait = parse_retry_after(headers) if isinstance(headers, Mapping) else None
    return DEFAULT_PAUSE_S if wait is None else wait


__all__ = ["google_throttle"]
