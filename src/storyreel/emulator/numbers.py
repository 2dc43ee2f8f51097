"""Numbers within a schema's bounds (inclusive or exclusive, draft 4 or 2020-12 style)."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Mapping
from typing import Any, Final

_PREFERRED: Final = (
    (re.compile(r"year"), 2025),
    (re.compile(r"duration|seconds|length_s"), 8),
    (re.compile(r"count|number|num_|total"), 3),
)


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def bounds(schema: Mapping[str, Any]) -> tuple[float | None, float | None, bool, bool]:
    """``(low, high, low_is_exclusive, high_is_exclusive)``, the tighter bound winning."""
    low, high = schema.get("minimum"), schema.get("maximum")
    low_open = high_open = False
    ex_low, ex_high = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
    if ex_low is True or ex_high is True:  # draft 4: booleans qualify minimum/maximum
        low_open, high_open = ex_low is True, ex_high is True
    if _numeric(ex_low) and (low is None or ex_low >= low):
        low, low_open = ex_low, True
    if _numeric(ex_high) and (high is None or ex_high <= high):
        high, high_open = ex_high, True
    return _float(low), _float(high), low_open, high_open


def within(schema: Mapping[str, Any], value: int) -> bool:
    """Whether ``value`` meets the schema's bounds and ``multipleOf``."""
    low, high, low_open, high_open = bounds(schema)
    if low is not None and (value <= low if low_open else value < low):
        return False
    if high is not None and (value >= high if high_open else value > high):
        return False
    step: Any = schema.get("multipleOf")
    return not (_numeric(step) and step > 0 and value % step)


def integer_for(schema: Mapping[str, Any], name: str, rng: random.Random) -> int:
    """A whole number in range; a plausible one for names like ``year`` or ``duration``."""
    low, high, low_open, high_open = bounds(schema)
    lo = None if low is None else (math.floor(low) + 1 if low_open else math.ceil(low))
    hi = None if high is None else (math.ceil(high) - 1 if high_open else math.floor(high))
    if lo is None:
        lo = 1 if hi is None or hi >= 1 else hi - 9
    if hi is None:
        hi = lo + 9
    step: Any = schema.get("multipleOf")
    if _numeric(step) and step > 0 and float(step).is_integer():
        unit = int(step)
        first, last = -(-lo // unit), hi // unit
        return unit * (first + rng.randrange(last - first + 1) if last >= first else first)
    lowered = name.lower()
    preferred = next((value for pattern, value in _PREFERRED if pattern.search(lowered)), None)
    if preferred is not None and lo <= preferred <= hi:
        return preferred
    return lo if hi < lo else rng.randint(lo, hi)


def number_for(schema: Mapping[str, Any], rng: random.Random) -> float:
    """A two-decimal number in range, or the midpoint when rounding would leave it."""
    low, high, low_open, high_open = bounds(schema)
    if low is not None and high is not None:
        candidate = round(low + (high - low) * (0.2 + 0.6 * rng.random()), 2)
        inside = (low < candidate if low_open else low <= candidate) and (
            candidate < high if high_open else candidate <= high
        )
        return candidate if inside else (low + high) / 2
    if low is not None:
        return low + 1.5 if low_open else low + round(rng.random() * 10, 2)
    if high is not None:
        return high - 1.5 if high_open else high - round(rng.random() * 10, 2)
    return round(rng.random() * 10, 2)
