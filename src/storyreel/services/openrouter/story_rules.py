"""What the service guarantees about a drafted story, whatever the model wrote."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import cast

from storyreel.domain.limits import MAX_NAME_CHARS, VEO_DURATIONS, VeoDuration, check_characters
from storyreel.domain.shots import carried_prompt, mentions
from storyreel.domain.story import Character, Segment, Story
from storyreel.errors import InputError
from storyreel.services.openrouter.models import CharacterProfile, StoryDraft


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
