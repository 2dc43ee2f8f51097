"""What each clip and the thumbnail are asked to show: prompts built from the story."""

from __future__ import annotations

import re

from storyreel.domain.story import Character, Segment, Story


def features(character: Character, segment: Segment) -> bool:
    """Whether the segment names the character (whole words, any case)."""
    pattern = rf"(?<!\w){re.escape(character.name.strip())}(?!\w)"
    text = f"{segment.visual_prompt}\n{segment.narration}"
    return re.search(pattern, text, flags=re.IGNORECASE) is not None


def clip_prompt(story: Story, segment: Segment) -> str:
    """The segment's visual prompt, guaranteed to carry the visual description of every
    character it features (verbatim, so they look the same in every clip) and the style."""
    prompt = segment.visual_prompt.strip()
    for character in story.characters:
        description = character.description.strip()
        if features(character, segment) and description not in prompt:
            prompt = f"{prompt} {character.name.strip()}: {description}"
    if story.style and story.style.strip().lower() not in prompt.lower():
        prompt = f"{prompt} Style: {story.style.strip()}."
    return prompt


def thumbnail_prompt(story: Story) -> str:
    """A thumbnail for the video, from its title and logline."""
    style = f" Style: {story.style.strip()}." if story.style else ""
    return (
        f'A striking thumbnail for a short video titled "{story.title.strip()}": '
        f"{story.logline.strip()}{style}"
    )
