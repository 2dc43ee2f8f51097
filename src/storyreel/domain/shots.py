"""What each clip and the thumbnail are asked to show: prompts built from the story.

One rule, applied when a story is written and again when any story is filmed: every clip
prompt carries the style and the description of each character its segment features.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from storyreel.domain.story import Character, Segment, Story

# A first word that says nothing about who is meant ("the old fisherman", "Dr Lee").
_WEAK_FIRST_WORDS = frozenset({"the", "a", "an", "mr", "mrs", "ms", "dr", "sir", "lady", "lord"})


def _name_pattern(name: str) -> re.Pattern[str]:
    """The full name, or its first word alone when that says who is meant ("Mia" for
    "Mia Chen"); whole words, any case."""
    name = name.strip()
    aliases = [name]
    words = name.split()
    if len(words) > 1 and words[0].casefold() not in _WEAK_FIRST_WORDS and len(words[0]) >= 3:
        aliases.append(words[0])
    alternatives = "|".join(re.escape(alias) for alias in aliases)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def mentions(character: Character, text: str) -> bool:
    """Whether ``text`` names the character, by its full name or its first name."""
    return _name_pattern(character.name).search(text) is not None


def features(character: Character, segment: Segment) -> bool:
    """Whether the segment names the character in its narration or its visual prompt."""
    return mentions(character, f"{segment.narration}\n{segment.visual_prompt}")


def _with(prompt: str, addition: str) -> str:
    prompt = prompt.rstrip()
    if prompt and prompt[-1] not in ".!?":
        prompt += "."
    return f"{prompt} {addition}" if prompt else addition


def with_style(prompt: str, style: str | None) -> str:
    """``prompt`` ending with the style, unless the style is in it already (in any case)."""
    if not style or not style.strip() or style.strip().casefold() in prompt.casefold():
        return prompt
    return _with(prompt, f"Style: {style.strip()}.")


def carried_prompt(
    narration: str,
    prompt: str,
    characters: Sequence[Character],
    style: str | None,
    *,
    forced: Sequence[Character] = (),
) -> str:
    """``prompt`` with the style (unless it is there, in any case) and, verbatim, the
    description of every character that the narration or the prompt names, and of
    ``forced`` ones; what is already in the prompt is not repeated.

    Repeats because an appended description may itself name another character.
    """
    prompt = with_style(prompt, style)
    pending = list(forced)
    while True:
        text = f"{narration}\n{prompt}"
        pending += [c for c in characters if c not in pending and mentions(c, text)]
        missing = [c for c in pending if c.description.strip() not in prompt]
        if not missing:
            return prompt
        character = missing[0]
        prompt = _with(prompt, f"{character.name.strip()}: {character.description.strip()}")


def clip_prompt(story: Story, segment: Segment) -> str:
    """The segment's visual prompt, guaranteed to carry the visual description of every
    character it features (verbatim, so they look the same in every clip) and the style."""
    return carried_prompt(
        segment.narration, segment.visual_prompt.strip(), story.characters, story.style
    )


def thumbnail_prompt(story: Story) -> str:
    """A thumbnail for the video, from its title and logline."""
    style = f" Style: {story.style.strip()}." if story.style else ""
    return (
        f'A striking thumbnail for a short video titled "{story.title.strip()}": '
        f"{story.logline.strip()}{style}"
    )
