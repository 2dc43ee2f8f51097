"""String values for structured replies, shaped by the property's name, place, format and length
bounds, and written about the request's idea (never about the instructions around it)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from storyreel.emulator.tale_fields import place_of, tale_for, tale_text
from storyreel.emulator.text import Prose

_COLORS: Final = ("amber", "teal", "crimson", "indigo", "ochre", "silver", "emerald")
_NAME_SPLIT: Final = re.compile(r"[^a-zA-Z]+|(?<=[a-z])(?=[A-Z])")
_TAGS: Final = frozenset(
    {"tag", "tags", "hashtag", "hashtags", "keyword", "keywords", "topic", "topics"}
)


def _tokens(name: str) -> set[str]:
    return {token.lower() for token in _NAME_SPLIT.split(name) if token}


_Rule = tuple[frozenset[str], Callable[[Prose, set[str]], str]]


def _rule(words: str, make: Callable[[Prose, set[str]], str]) -> _Rule:
    return frozenset(words.split()), make


# Checked in order, before the tale: the first rule whose words meet the name's words wins.
_RULES: Final = (
    _rule("url uri link href website", lambda p, _: f"https://example.com/{p.slug()}"),
    _rule("email", lambda p, _: f"{p.word()}@example.com"),
    _rule("id slug handle key", lambda p, _: p.slug()),
    _rule("language lang locale", lambda p, _: "en"),
    _rule("mood tone genre style emotion vibe atmosphere pacing", lambda p, _: p.adjective()),
    _rule("color colour palette", lambda p, _: _COLORS[sum(map(ord, p.word())) % len(_COLORS)]),
)

_FORMATS: Final[dict[str, Callable[[Prose, str], str]]] = {
    "date-time": lambda p, s: "2025-06-01T12:00:00Z",
    "date": lambda p, s: "2025-06-01",
    "time": lambda p, s: "12:00:00Z",
    "duration": lambda p, s: "PT8S",
    "email": lambda p, s: f"{p.word()}@example.com",
    "uri": lambda p, s: f"https://example.com/{p.slug()}",
    "url": lambda p, s: f"https://example.com/{p.slug()}",
    "hostname": lambda p, s: "example.com",
    "uuid": lambda p, s: str(uuid.uuid5(uuid.NAMESPACE_URL, s)),
}


def string_for(
    name: str,
    prompt: str,
    path: str,
    schema: Mapping[str, Any] | None = None,
    sizes: Mapping[str, int] | None = None,
) -> str:
    """A string about ``prompt``'s idea that suits property ``name`` at ``path`` and fits
    ``schema``'s bounds; ``sizes`` gives the length of each array filled so far, by path."""
    schema = schema or {}
    tale = tale_for(prompt)
    prose = Prose(tale.subject, path)
    maker = _FORMATS.get(str(schema.get("format", "")))
    if maker is not None:
        return maker(prose, f"{prompt}\x1f{path}")
    tokens = _tokens(name)
    text = None
    if tokens & _TAGS:
        # The idea's own words, a different one for each item of a list.
        place = place_of(path, sizes or {})
        tag = tale.hashtag(place.index if place else 0)
        text = tag if tokens & {"hashtag", "hashtags"} else tag.lstrip("#")
    if text is None:
        text = next((make(prose, tokens) for words, make in _RULES if tokens & words), None)
    if text is None:
        text = tale_text(name, prompt, path, sizes or {})
    if text is None:
        text = tale.sentence(path)
    low = int(schema.get("minLength") or 0)
    high = None if schema.get("maxLength") is None else int(schema["maxLength"])
    return fit(text, low, high, lambda: tale.paragraph(path))


def fit(text: str, low: int, high: int | None, more: Callable[[], str]) -> str:
    """Lengthen with ``more()`` or cut at a word boundary, staying within [low, high]."""
    while len(text) < low:
        text = f"{text} {more()}"
    if high is None or len(text) <= high:
        return text
    hard = text[:high]
    soft = hard.rsplit(" ", 1)[0].rstrip(" ,;:") if " " in hard else hard
    return soft if len(soft) >= max(low, 1) else hard
