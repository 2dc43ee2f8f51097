"""Fault rules that tests install at run time, consumed in order by matching requests."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

# The cheap lookups ``config check --online`` makes; only status and delay faults apply.
LOOKUP_ROUTES: Final = frozenset({"key", "models.get"})
ROUTES: Final = (
    frozenset(
        {"chat.completions", "generateContent", "predictLongRunning", "fetchPredictOperation"}
    )
    | LOOKUP_ROUTES
)
KINDS: Final = frozenset(
    {
        "status",
        "delay",
        "drop_after_accept",
        "delay_after_accept",
        "malformed",
        "safety_block",
        "operation_error",
        # A video blocked on safety grounds, told as an operation error with support codes.
        "safety_error",
        # OpenRouter's provider failures inside a 200: an error object instead of the
        # completion, or a choice that ends with finish_reason "error".
        "error_body",
        "error_finish",
    }
)
_CHAT_ONLY: Final = frozenset({"error_body", "error_finish"})
_LOOKUP_KINDS: Final = frozenset({"status", "delay"})
_OPERATION_ROUTES: Final = frozenset({"predictLongRunning", "fetchPredictOperation"})
# A submit that is accepted (and counted as paid) and then answered only after ``delay_s``.
_ACCEPTING_ROUTES: Final = frozenset({"predictLongRunning"})


class FaultRuleError(ValueError):
    """A fault rule that the emulator cannot apply; the message names the field."""


@dataclass(slots=True)
class FaultRule:
    """One installed fault; ``remaining`` of ``None`` means it never runs out."""

    route: str
    kind: str
    status: int = 500
    retry_after_s: float | None = None
    delay_s: float = 0.0
    remaining: int | None = 1
    match: str | None = None

    def applies_to(self, route: str, body: str) -> bool:
        if self.route != route or self.remaining == 0:
            return False
        return self.match is None or self.match in body

    def describe(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "kind": self.kind,
            "status": self.status,
            "retry_after_s": self.retry_after_s,
            "delay_s": self.delay_s,
            "times": self.remaining,
            "match": self.match,
        }


def _number(raw: Mapping[str, Any], key: str, default: float | None) -> float | None:
    value = raw.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FaultRuleError(f"{key} must be a number of seconds, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise FaultRuleError(f"{key} must be finite and >= 0, got {value!r}")
    return float(value)


def parse_rule(raw: object) -> FaultRule:
    """Validate one rule as posted to ``/_emulator/faults``."""
    if not isinstance(raw, Mapping):
        raise FaultRuleError(f"a fault rule must be a JSON object, got {raw!r}")
    route, kind = raw.get("route"), raw.get("kind")
    if route not in ROUTES:
        raise FaultRuleError(f"route must be one of {sorted(ROUTES)}, got {route!r}")
    if kind not in KINDS:
        raise FaultRuleError(f"kind must be one of {sorted(KINDS)}, got {kind!r}")
    if kind in ("operation_error", "safety_error") and route not in _OPERATION_ROUTES:
        raise FaultRuleError(f"{kind} applies only to {sorted(_OPERATION_ROUTES)}")
    if kind in _CHAT_ONLY and route != "chat.completions":
        raise FaultRuleError(f"{kind} applies only to chat.completions")
    if route in LOOKUP_ROUTES and kind not in _LOOKUP_KINDS:
        raise FaultRuleError(f"only {sorted(_LOOKUP_KINDS)} faults apply to {route}")
    if kind == "delay_after_accept" and route not in _ACCEPTING_ROUTES:
        raise FaultRuleError(f"delay_after_accept applies only to {sorted(_ACCEPTING_ROUTES)}")
    status = raw.get("status", 500)
    if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 599:
        raise FaultRuleError(f"status must be an HTTP error status 400-599, got {status!r}")
    times = raw.get("times", 1)
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 0):
        raise FaultRuleError(f"times must be a whole number >= 0 or null, got {times!r}")
    match = raw.get("match")
    if match is not None and not isinstance(match, str):
        raise FaultRuleError(f"match must be a string, got {match!r}")
    return FaultRule(
        route=str(route),
        kind=str(kind),
        status=status,
        retry_after_s=_number(raw, "retry_after_s", None),
        delay_s=_number(raw, "delay_s", 0.0) or 0.0,
        # 0 and null both mean "forever", as documented for the control endpoint.
        remaining=times or None,
        match=match or None,
    )


@dataclass(slots=True)
class Verdict:
    """What the installed rules decided for one request."""

    delay_s: float = 0.0
    rule: FaultRule | None = None

    @property
    def kind(self) -> str | None:
        return None if self.rule is None else self.rule.kind


@dataclass
class FaultBook:
    """The installed rules; safe to use from the server thread and a test thread."""

    _rules: list[FaultRule] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def install(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules.extend(rules)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.describe() for rule in self._rules if rule.remaining != 0]

    def decide(self, route: str, body: bytes) -> Verdict:
        """Consume the rules that apply: delays add up, the first other rule ends the search."""
        verdict = Verdict()
        if not self._rules:
            return verdict
        text = body.decode("utf-8", "replace")
        with self._lock:
            for rule in self._rules:
                if not rule.applies_to(route, text):
                    continue
                if rule.remaining is not None:
                    rule.remaining -= 1
                if rule.kind == "delay":
                    verdict.delay_s += rule.delay_s
                    continue
                verdict.rule = rule
                break
            self._rules = [rule for rule in self._rules if rule.remaining != 0]
        return verdict
