"""What the service guarantees about a drafted story, whatever the model wrote."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, cast

from storyreel.domain.limits import MAX_NAME_CHARS, VEO_DURATIONS, VeoDuration, check_characters
from storyreel.domain.shots import carried_prompt, mentions
from storyreel.domain.story import Character, Segment, Story
from storyreel.errors import InputError
from storyreel.services.openrouter.models import CharacterProfile, StoryDraft

DEFAULT_WORDS_PER_SECOND: Final = 2.5
# "At most about": a word or two over is absorbed when the voice is placed (the clip's last
# frame is held); only a narration clearly too long for its clip costs a repair request.
NARRATION_SLACK: Final = 1.2
_SPOKEN_WORD: Final = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def snap_duration(seconds: int) -> int:
    """The allowed Veo duration nearest to ``seconds`` (the longer one on a tie)."""
    return min(VEO_DURATIONS, key=lambda allowed: (abs(allowed - seconds), -allowed))


def given_characters(characters: Iterable[Character | CharacterProfile] | None) -> list[Character]:
    """Characters passed by the caller as Character or CharacterProfile, names made unique."""
    result: list[Character] = []
    for item in characters or []:
        if isinstance(item, CharacterProfile):
            item = item.to_character()
        if not isinstance(item, Character):
            raise InputError(f"characters must be Character or CharacterProfile, got {item!r:.80}")
        if not item.name.strip() or not item.description.strip():
            raise InputError("every character needs a name and a description that are not blank")
        result.append(item)
    return _unique_names(check_characters(result))


def _unique_names(characters: Sequence[Character]) -> list[Character]:
    seen: set[str] = set()
    unique: list[Character] = []
    for character in characters:
        base = character.name.strip()
        name, number = base, 2
        while name.casefold() in seen:
            name, number = f"{base[: MAX_NAME_CHARS - 4]} {number}", number + 1
        seen.add(name.casefold())
        unique.append(Character(name=name, description=character.description))
    return unique


def _merge(given: list[Character], drafted: Iterable[Character]) -> list[Character]:
    # The caller's characters win; the model may add new ones but not redefine given ones.
    names = {character.name.casefold() for character in given}
    merged = list(given)
    for character in drafted:
        name = character.name.strip()
        if name and name.casefold() not in names:
            names.add(name.casefold())
            merged.append(Character(name=name, description=character.description.strip()))
    return merged


def finish_story(
    draft: StoryDraft,
    *,
    style: str | None,
    given: list[Character],
    duration_seconds: int | None,
) -> Story:
    """The story with indices 1..N, allowed durations, the style in every prompt and each
    featured character's description verbatim in the prompt (every character in at least one).
    """
    characters = _merge(
        given, (Character(name=c.name, description=c.description) for c in draft.characters)
    )
    ordered = sorted(draft.segments, key=lambda segment: segment.index)
    texts = [f"{s.narration}\n{s.visual_prompt}" for s in ordered]
    # A character no segment mentions is placed in the first one, so its look is still fixed.
    unmentioned = [c for c in characters if not any(mentions(c, text) for text in texts)]
    segments: list[Segment] = []
    for position, drafted in enumerate(ordered, start=1):
        forced = unmentioned if position == 1 else []
        prompt = carried_prompt(
            drafted.narration, drafted.visual_prompt, characters, style, forced=forced
        )
        segments.append(
            Segment(
                index=position,
                narration=drafted.narration.strip(),
                visual_prompt=prompt,
                duration_seconds=cast(
                    VeoDuration, duration_seconds or snap_duration(drafted.duration_seconds)
                ),
            )
        )
    return Story(
        title=draft.title.strip(),
        logline=draft.logline.strip(),
        style=style,
        characters=characters,
        segments=segments,
    )


def spoken_words(text: str) -> int:
    """How many words a reader says for ``text``: runs of letters or digits."""
    return len(_SPOKEN_WORD.findall(text))


def narration_budget(duration_seconds: int, words_per_second: float) -> int:
    """The most words a narration should have to be read within a clip of this length."""
    return max(1, math.floor(words_per_second * duration_seconds))


def narration_block(words_per_second: float, duration_seconds: int | None) -> str:
    """The story prompt's sentence sizing each narration to its clip."""
    rate = f"Each narration is read aloud at about {words_per_second:g} spoken words per second"
    if duration_seconds:
        budget = narration_budget(duration_seconds, words_per_second)
        return f"{rate}: write at most {budget} words of narration per segment."
    budgets = ", ".join(
        f"{narration_budget(seconds, words_per_second)} for a {seconds}-second segment"
        for seconds in VEO_DURATIONS
    )
    return f"{rate}: write at most this many words of narration: {budgets}."


def check_narrations(
    draft: StoryDraft, *, words_per_second: float, duration_seconds: int | None
) -> None:
    """Raise ValueError naming each segment whose narration is clearly too long to be read
    within its clip (``duration_seconds`` when every clip has it, else the segment's own)."""
    long: list[str] = []
    for segment in draft.segments:
        seconds = duration_seconds or snap_duration(segment.duration_seconds)
        budget = narration_budget(seconds, words_per_second)
        words = spoken_words(segment.narration)
        if words > math.floor(budget * NARRATION_SLACK):
            long.append(
                f"segment {segment.index}'s narration has {words} words, too many for its "
                f"{seconds}-second clip (at most {budget})"
            )
    if long:
        raise ValueError(
            "; ".join(long) + f". Narration is read aloud at about {words_per_second:g} "
            "spoken words per second: shorten it, or give the segment a longer duration_seconds"
        )


def story_check(
    count: int, words_per_second: float, duration_seconds: int | None
) -> Callable[[StoryDraft], None]:
    """The rules a drafted story must meet beyond its schema: exactly ``count`` segments,
    and narrations that can be read within their clips (see :func:`check_narrations`)."""

    def check(draft: StoryDraft) -> None:
        if len(draft.segments) != count:
            raise ValueError(f"segments must hold exactly {count} items, got {len(draft.segments)}")
        check_narrations(
            draft, words_per_second=words_per_second, duration_seconds=duration_seconds
        )

    return check


def exactly(field: str, count: int) -> Any:
    """A check that ``field`` of a draft holds exactly ``count`` items."""

    def check(draft: Any) -> None:
        got = len(getattr(draft, field))
        if got != count:
            raise ValueError(f"{field} must hold exactly {count} items, got {got}")

    return check


def characters_block(characters: list[Character]) -> str:
    """The prompt's instructions for the characters given, if any."""
    if not characters:
        return ""
    lines = [f"- {c.name}: {c.description}" for c in characters]
    return (
        "Use these characters, keep their names, and copy each description word for word "
        "into every visual_prompt the character appears in:\n" + "\n".join(lines)
    )
