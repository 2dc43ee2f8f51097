"""Which part of the tale a string property gets, from its name and where it sits in the reply:
``$.characters[1].description`` is the second character's look, ``$.segments[2].narration``
the third beat of however many segments the reply holds."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from storyreel.emulator.subject import subject_of
from storyreel.emulator.tale import Tale

_ITEM: Final = re.compile(r"^(?P<array>.*?(?:\.(?P<field>\w+))?)\[(?P<index>\d+)\][^\[]*$")
_NAME_SPLIT: Final = re.compile(r"[^a-zA-Z]+|(?<=[a-z])(?=[A-Z])")
_CAST_LISTS: Final = frozenset({"characters", "cast", "people", "heroes"})
_ORDINALS: Final = frozenset({"index", "position", "order", "number", "step", "part"})
_BEAT_LISTS: Final = frozenset({"segments", "scenes", "shots", "beats", "clips", "panels"})


@dataclass(frozen=True)
class Place:
    """An array item's position: the array's property name, the index and the array's length."""

    field: str
    index: int
    count: int


def place_of(path: str, sizes: Mapping[str, int]) -> Place | None:
    """The innermost array item ``path`` is in, if any."""
    match = _ITEM.match(path)
    if match is None:
        return None
    index = int(match["index"])
    count = sizes.get(match["array"], index + 1)
    return Place(field=(match["field"] or "").lower(), index=index, count=count)


def item_number(name: str, path: str, sizes: Mapping[str, int]) -> int | None:
    """1, 2, 3... for an ``index`` (``position``, ``order``...) property of array items, as a
    writer numbers segments in story order; None for any other property."""
    place = place_of(path, sizes)
    if place is None or name.lower() not in _ORDINALS:
        return None
    return place.index + 1


@functools.lru_cache(maxsize=64)
def tale_for(prompt: str) -> Tale:
    """The tale of a prompt; ``prompt\\x1fN`` asks for the N-th of several replies."""
    text, _, salt = prompt.rpartition("\x1f") if "\x1f" in prompt else (prompt, "", "")
    return Tale(subject_of(text), int(salt) if salt.isdigit() else 0)


def _tokens(name: str) -> set[str]:
    return {token.lower() for token in _NAME_SPLIT.split(name) if token}


def _has(tokens: set[str], words: str) -> bool:
    return bool(tokens & set(words.split()))


def _cast_text(tale: Tale, tokens: set[str], place: Place) -> str | None:
    member = tale.cast(max(place.count, 1))[place.index]
    if _has(tokens, "name hint label"):
        return member.name
    if _has(tokens, "appearance body face"):
        return member.appearance
    if _has(tokens, "clothing clothes outfit wardrobe"):
        return member.clothing
    if _has(tokens, "distinctive features feature"):
        return member.features
    if _has(tokens, "description visual look looks"):
        return member.look
    if _has(tokens, "role"):
        return member.role
    return None


def _beat_text(tale: Tale, tokens: set[str], place: Place, cast_size: int) -> str | None:
    if _has(tokens, "narration voiceover dialogue line text script caption"):
        return tale.narration(place.index, place.count, cast_size)
    if _has(tokens, "visual prompt scene shot image description camera"):
        return tale.visual(place.index, place.count, cast_size)
    if _has(tokens, "title heading"):
        return f"Part {place.index + 1}"
    return None


def _idea_text(tale: Tale, tokens: set[str], place: Place) -> str | None:
    title, hook, why, form = tale.idea(place.index)
    for words, text in (("title name", title), ("hook", hook), ("why now reason", why)):
        if _has(tokens, words):
            return text
    return form if _has(tokens, "format kind type") else None


_ROOT_RULES: Final[tuple[tuple[str, Callable[[Tale], str]], ...]] = (
    ("top", lambda t: t.meme_lines()[0]),
    ("bottom punchline", lambda t: t.meme_lines()[1]),
    ("logline summary synopsis tagline premise", lambda t: t.logline()),
    ("hook", lambda t: t.hook()),
    ("action cta", lambda t: t.call_to_action()),
    ("title name headline heading label subject", lambda t: t.title()),
    (
        "prompt visual visuals scene shot image appearance setting camera composition "
        "thumbnail look",
        lambda t: t.visual(0, 1),
    ),
    ("why reason", lambda t: t.sentence("why")),
    ("format", lambda t: "short video"),
    (
        "text content story narration script body dialogue voiceover post paragraph "
        "transcript message copy answer caption description",
        lambda t: t.paragraph(),
    ),
)


def tale_text(name: str, prompt: str, path: str, sizes: Mapping[str, int]) -> str | None:
    """The text for string property ``name`` at ``path`` of a reply about ``prompt``, or None
    when the property is not one a story, post, meme, script or idea list has."""
    tale = tale_for(prompt)
    tokens = _tokens(name)
    place = place_of(path, sizes)
    if place is not None and place.field in _CAST_LISTS:
        text = _cast_text(tale, tokens, place)
        if text is not None:
            return text
    if place is not None and place.field in _BEAT_LISTS:
        cast_size = sizes.get("$.characters", 2)
        text = _beat_text(tale, tokens, place, cast_size)
        if text is not None:
            return text
    if place is not None and place.field == "ideas":
        text = _idea_text(tale, tokens, place)
        if text is not None:
            return text
    if place is not None and place.field == "posts":
        return tale.thread_post(place.index, place.count)
    return next((make(tale) for words, make in _ROOT_RULES if _has(tokens, words)), None)
