"""What the service guarantees about a drafted story, whatever the model wrote."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import cast

from storyreel.domain.story import VEO_DURATIONS, Character, Segment, Story, VeoDuration
from storyreel.errors import InputError
from storyreel.services.openrouter.models import CharacterProfile, StoryDraft

MAX_GIVEN_CHARACTERS = 10
# A first word that says nothing about who is meant ("the old fisherman", "Dr Lee").
_WEAK_FIRST_WORDS = frozenset({"the", "a", "an", "mr", "mrs", "ms", "dr", "sir", "lady", "lord"})


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
    if len(result) > MAX_GIVEN_CHARACTERS:
        raise InputError(f"give at most {MAX_GIVEN_CHARACTERS} characters, got {len(result)}")
    return _unique_names(result)


def _unique_names(characters: Sequence[Character]) -> list[Character]:
    seen: set[str] = set()
    unique: list[Character] = []
    for character in characters:
        base = character.name.strip()
        name, number = base, 2
        while name.casefold() in seen:
            name, number = f"{base[:76]} {number}", number + 1
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


def _name_pattern(name: str) -> re.Pattern[str]:
    aliases = [name]
    words = name.split()
    if len(words) > 1 and words[0].casefold() not in _WEAK_FIRST_WORDS and len(words[0]) >= 3:
        aliases.append(words[0])
    alternatives = "|".join(re.escape(alias) for alias in aliases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def _with(prompt: str, addition: str) -> str:
    prompt = prompt.rstrip()
    if prompt and prompt[-1] not in ".!?":
        prompt += "."
    return f"{prompt} {addition}" if prompt else addition


def _carry_descriptions(
    narration: str, prompt: str, characters: list[Character], forced: list[Character]
) -> str:
    """Append each featured character's description until no featured one is missing.

    Repeats because an appended description may itself name another character.
    """
    patterns = [(character, _name_pattern(character.name)) for character in characters]
    pending = list(forced)
    while True:
        text = f"{narration}\n{prompt}"
        pending += [c for c, pattern in patterns if pattern.search(text) and c not in pending]
        missing = [c for c in pending if c.description not in prompt]
        if not missing:
            return prompt
        character = missing[0]
        prompt = _with(prompt, f"{character.name}: {character.description}")


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
    unmentioned = [
        c for c in characters if not any(_name_pattern(c.name).search(text) for text in texts)
    ]
    segments: list[Segment] = []
    for position, drafted in enumerate(ordered, start=1):
        forced = unmentioned if position == 1 else []
        prompt = drafted.visual_prompt
        if style and style not in prompt:
            prompt = _with(prompt, f"Style: {style}.")
        prompt = _carry_descriptions(drafted.narration, prompt, characters, forced)
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
