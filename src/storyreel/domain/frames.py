"""What the still images of a story show: a sheet per character, a keyframe per segment.

A sheet fixes how a character looks; a segment's keyframe is drawn with the sheets of the
characters that segment names, and its clip starts from that keyframe, so that faces and
clothes stay the same from clip to clip.
"""

from __future__ import annotations

import re
import unicodedata

from storyreel.domain.shots import features, with_style
from storyreel.domain.story import Character, Segment, Story

# Vertex AI's gemini-2.5-flash-image page: "Maximum images per prompt: 3". A segment that names
# more characters is drawn with the sheets of the first three it names (in story order).
MAX_INPUT_IMAGES = 3


def character_slugs(characters: list[Character]) -> dict[str, str]:
    """A file-safe, unique name per character (``Mara Quinn`` → ``mara-quinn``), by name.

    Names that fold to the same letters get ``-2``, ``-3``... in story order; a name with
    no letter or digit left becomes ``character-N`` (its place in the story).
    """
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for number, character in enumerate(characters, start=1):
        if character.name in slugs:
            continue
        folded = unicodedata.normalize("NFKD", character.name).encode("ascii", "ignore")
        base = re.sub(r"[^a-z0-9]+", "-", folded.decode().lower()).strip("-")[:40].strip("-")
        base = base or f"character-{number}"
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        slugs[character.name] = slug
    return slugs


def cast_of(story: Story, segment: Segment) -> list[Character]:
    """The story's characters that ``segment`` names (in its narration or visual prompt),
    in story order, at most :data:`MAX_INPUT_IMAGES`: whose sheets its keyframe is drawn
    with."""
    seen: set[str] = set()
    cast = []
    for character in story.characters:
        if character.name not in seen and features(character, segment):
            seen.add(character.name)
            cast.append(character)
    return cast[:MAX_INPUT_IMAGES]


def sheet_prompt(character: Character, style: str | None) -> str:
    """A character sheet: one full-figure portrait on a plain background, nothing else, so
    that the keyframes can copy the face, hair and clothes from it."""
    prompt = (
        f"Character reference sheet of {character.name.strip()}: "
        f"{character.description.strip().rstrip('.')}. One full-length portrait, facing the "
        "viewer, even studio light, on a plain light grey background; no other people, no "
        "text, no props beyond what the description names."
    )
    return with_style(prompt, style)


def keyframe_prompt(story: Story, segment: Segment, cast: list[Character]) -> str:
    """The first frame of the segment's clip: its visual prompt and the style, with each
    character drawn exactly as on the reference images that come with the request (one per
    character of ``cast``, in that order)."""
    prompt = with_style(segment.visual_prompt.strip(), story.style)
    if not cast:
        return f"{prompt} A single still frame, the opening shot of the scene."
    names = ", ".join(character.name.strip() for character in cast)
    return (
        f"{prompt} A single still frame, the opening shot of the scene. The reference images "
        f"show, in this order: {names}; draw each of them exactly as shown there (face, hair, "
        "clothes), inside this scene, not on the reference background."
    )


__all__ = ["MAX_INPUT_IMAGES", "cast_of", "character_slugs", "keyframe_prompt", "sheet_prompt"]
