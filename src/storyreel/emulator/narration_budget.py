"""The emulated writer keeps each narration short enough to be read within its clip, as a
model told "about N spoken words per second" would: otherwise every offline story would need
a repair request."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any, Final

_RATE: Final = re.compile(r"(\d+(?:\.\d+)?) spoken words per second", re.IGNORECASE)
_WORDY: Final = re.compile(r"[^\W_]", re.UNICODE)
_SENTENCE_END: Final = re.compile(r"(?<=[.!?])\s+")
# The story prompt's "Every segment lasts N seconds": the clip length whatever the draft says.
_FIXED: Final = re.compile(r"every segment lasts (\d+) seconds", re.IGNORECASE)


def words_per_second(prompt: str) -> float | None:
    """The reading rate the prompt asks narrations to fit, if it names one."""
    match = _RATE.search(prompt)
    rate = float(match[1]) if match else 0.0
    return rate if rate > 0 else None


def _count(text: str) -> int:
    return sum(1 for token in text.split() if _WORDY.search(token))


def shorten(text: str, budget: int) -> str:
    """``text`` cut to at most ``budget`` spoken words: whole sentences while they fit,
    else the first words, ending as a sentence."""
    if _count(text) <= budget:
        return text
    kept: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        if _count(" ".join([*kept, sentence])) > budget:
            break
        kept.append(sentence)
    if kept:
        return " ".join(kept)
    words: list[str] = []
    for token in text.split():
        if _WORDY.search(token) and _count(" ".join(words)) >= budget:
            break
        words.append(token)
    return " ".join(words).rstrip(",;:.!?—-") + "."


def fit_narrations(value: Any, prompt: str) -> Any:
    """``value`` with every ``narration`` of an object that also has ``duration_seconds``
    cut to the words the prompt's reading rate allows; unchanged when it names no rate."""
    rate = words_per_second(prompt)
    if rate is None:
        return value
    fixed = _FIXED.search(prompt)
    return _fit(value, rate, int(fixed[1]) if fixed else None)


def _fit(node: Any, rate: float, fixed: int | None) -> Any:
    if isinstance(node, list):
        return [_fit(item, rate, fixed) for item in node]
    if not isinstance(node, Mapping):
        return node
    fitted = {key: _fit(item, rate, fixed) for key, item in node.items()}
    narration, seconds = fitted.get("narration"), fitted.get("duration_seconds")
    if isinstance(narration, str) and isinstance(seconds, int) and not isinstance(seconds, bool):
        budget = max(1, math.floor(rate * (fixed or seconds)))
        fitted["narration"] = shorten(narration, budget)
    return fitted
