"""Per-route request quotas the emulator enforces when asked (``POST /_emulator/config`` with
``{"quota": {"predictLongRunning": {"requests": 30, "per_s": 6}}}``): a sliding window, and
over it the 429 each provider answers."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from starlette.responses import Response

from storyreel.emulator.faults import ROUTES
from storyreel.emulator.responses import json_response

CHAT_ROUTE: Final = "chat.completions"


class QuotaRuleError(ValueError):
    """A quota the emulator cannot apply; the message names the field."""


@dataclass(frozen=True)
class Quota:
    """At most ``requests`` accepted in any ``per_s`` seconds."""

    requests: int
    per_s: float


def parse_quotas(raw: object) -> dict[str, Quota | None]:
    """``{route: {"requests": n, "per_s": s} | null}``; null lifts a route's quota."""
    if not isinstance(raw, Mapping):
        raise QuotaRuleError(f"quota must be a JSON object of routes, got {raw!r}")
    parsed: dict[str, Quota | None] = {}
    for route, rule in raw.items():
        if route not in ROUTES:
            raise QuotaRuleError(f"quota route must be one of {sorted(ROUTES)}, got {route!r}")
        if rule is None:
            parsed[route] = None
            continue
        if not isinstance(rule, Mapping) or set(rule) - {"requests", "per_s"}:
            raise QuotaRuleError(f"quota.{route} must be {{requests, per_s}}, got {rule!r}")
        requests, per_s = rule.get("requests"), rule.get("per_s", 60)
        if isinstance(requests, bool) or not isinstance(requests, int) or requests < 1:
            raise QuotaRuleError(f"quota.{route}.requests must be a whole number >= 1")
        if isinstance(per_s, bool) or not isinstance(per_s, int | float):
            raise QuotaRuleError(f"quota.{route}.per_s must be a number of seconds")
        if not math.isfinite(per_s) or per_s <= 0:
            raise QuotaRuleError(f"quota.{route}.per_s must be finite and > 0")
        parsed[route] = Quota(requests, float(per_s))
    return parsed


class QuotaBook:
    """The quotas in force and the requests each admitted; safe across threads."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._quotas: dict[str, Quota] = {}
        self._admitted: dict[str, deque[float]] = {}
        self._refused: dict[str, int] = {}

    def apply(self, quotas: Mapping[str, Quota | None]) -> None:
        with self._lock:
            for route, quota in quotas.items():
                self._admitted.pop(route, None)
                if quota is None:
                    self._quotas.pop(route, None)
                else:
                    self._quotas[route] = quota

    def admit(self, route: str) -> Quota | None:
        """None when ``route`` may take one more request now (it is counted), else the quota
        it would exceed (the request is refused and not counted against the window)."""
        with self._lock:
            quota = self._quotas.get(route)
            if quota is None:
                return None
            now = self._clock()
            window = self._admitted.setdefault(route, deque())
            while window and window[0] <= now - quota.per_s:
                window.popleft()
            if len(window) >= quota.requests:
                self._refused[route] = self._refused.get(route, 0) + 1
                return quota
            window.append(now)
            return None

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                route: {"requests": quota.requests, "per_s": quota.per_s}
                for route, quota in self._quotas.items()
            }

    def refused(self) -> dict[str, int]:
        """Requests refused as over quota, by route, since the last reset."""
        with self._lock:
            return dict(self._refused)

    def reset_counts(self) -> None:
        with self._lock:
            self._admitted.clear()
            self._refused.clear()


def over_quota(route: str, quota: Quota) -> Response:
    """The 429 the provider answers over quota: OpenRouter's error object for chat (no
    Retry-After; the limit and window in ``metadata.headers``), Vertex's google.rpc status
    ``RESOURCE_EXHAUSTED`` (no Retry-After either) for the Google routes."""
    if route == CHAT_ROUTE:
        reset_ms = int((time.time() + quota.per_s) * 1000)
        headers = {
            "X-RateLimit-Limit": str(quota.requests),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(reset_ms),
        }
        body = {
            "error": {
                "code": 429,
                "message": "Rate limit exceeded: requests-per-window.",
                "metadata": {"headers": headers, "provider_name": None},
            }
        }
        return json_response(body, 429)
    message = (
        "Quota exceeded for aiplatform.googleapis.com/online_prediction_requests_per_base_model "
        f"({quota.requests} requests per {quota.per_s:g} s on {route}). Please submit a quota "
        "increase request. https://cloud.google.com/vertex-ai/docs/generative-ai/quotas-genai."
    )
    return json_response(
        {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}}, 429
    )


__all__ = ["Quota", "QuotaBook", "QuotaRuleError", "over_quota", "parse_quotas"]
