"""Offline prose reads like a story about the idea: the writing service, through the real OpenAI
SDK, against the emulator. Titles use the idea's words, characters have names and looks,
segments run from a beginning to an end, and no instruction word leaks into the text."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storyreel.containers import aclose_container, create_container
from storyreel.emulator import EmulatorServer
from storyreel.emulator.tale import Tale, beat
from storyreel.emulator.text import keywords
from storyreel.services.openrouter.writing import WritingService
from storyreel.settings import load_settings

IDEAS = (
    "a paper boat in the rain",
    "a lighthouse keeper befriends a storm",
    "an interrupted kite",
    "a cat who rules the internet",
)
# Words of storyreel's prompts (system, story, meme, post, ideas) that no idea above uses.
INSTRUCTION_WORDS = frozenset(
    """segment segments json schema logline narration narrator visual_prompt storyreel veo
    clip clips index idea prompt recurring verbatim self-contained niche brief hashtags
    caption meme top_text bottom_text image_prompt why_now""".split()  # noqa: SIM905
)
APPEARANCE_WORDS = frozenset({"hair", "eyes", "wearing", "fur", "face", "coat", "jacket"})
CAMERA_WORDS = frozenset({"shot", "camera", "close-up", "angle", "dolly", "pan", "push-in"})


def _words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[\w'-]+", text)}


def _leaks(*texts: str) -> set[str]:
    return set().union(*(_words(text) for text in texts)) & INSTRUCTION_WORDS


@pytest.fixture
async def writing(server: EmulatorServer, tmp_path: Path) -> AsyncIterator[WritingService]:
    settings = load_settings(
        {"backend": "offline", "output_dir": str(tmp_path), "emulator": {"url": server.url}},
        env={},
        dotenv=None,
    )
    container = create_container(settings)
    service: WritingService = container.writing_service()
    yield service
    await aclose_container(container)


@pytest.mark.parametrize("idea", IDEAS)
async def test_a_story_is_about_its_idea(writing: WritingService, idea: str) -> None:
    story = await writing.story(idea, segments=4, duration_seconds=4)
    content = set(keywords(idea))

    assert content & _words(story.title), story.title
    assert content & _words(story.logline), story.logline
    assert story.characters
    for character in story.characters:
        assert re.fullmatch(r"[A-Z][a-z]+", character.name), character.name
        described = _words(character.description)
        assert described & APPEARANCE_WORDS, character.description
        assert not described & CAMERA_WORDS, character.description
    narrations = [segment.narration for segment in story.segments]
    assert len(set(narrations)) == len(narrations)
    for segment in story.segments:
        assert len(segment.narration.split()) <= 2 * segment.duration_seconds
        names = {c.name for c in story.characters}
        told = _words(f"{segment.narration} {segment.visual_prompt}")
        assert told & (content | {name.lower() for name in names}), segment
    assert not _leaks(
        story.title,
        story.logline,
        *narrations,
        *(c.description for c in story.characters),
        *(s.visual_prompt for s in story.segments),
    )


async def test_the_same_idea_gets_the_same_story(writing: WritingService) -> None:
    first = await writing.story(IDEAS[0], segments=3)
    again = await writing.story(IDEAS[0], segments=3)
    other = await writing.story(IDEAS[1], segments=3)
    assert first.model_dump(exclude={"usage"}) == again.model_dump(exclude={"usage"})
    assert first.title != other.title


def test_segments_run_from_a_beginning_through_a_middle_to_an_end() -> None:
    assert [beat(i, 5) for i in range(5)] == ["opening", "turn", "middle", "middle", "ending"]
    assert [beat(i, 2) for i in range(2)] == ["opening", "ending"]
    assert beat(0, 1) == "whole"
    tale = Tale("a paper boat in the rain")
    hero = tale.cast()[0].name
    assert hero in tale.narration(0, 3) or "paper boat" in tale.narration(0, 3)
    assert tale.narration(0, 3) != tale.narration(2, 3)


async def test_memes_posts_and_ideas_are_sentences_about_the_idea(
    writing: WritingService,
) -> None:
    meme = await writing.meme("mondays at the office")
    assert {"mondays", "office"} & _words(f"{meme.top_text} {meme.bottom_text}")
    assert not _leaks(meme.top_text, meme.bottom_text, meme.caption, meme.image_prompt)
    assert all(tag.lstrip("#") in {"mondays", "office"} for tag in meme.hashtags)

    post = await writing.content("our new bakery opens on friday", format="post")
    assert {"bakery"} <= _words(f"{post.title} {post.text}")  # type: ignore[union-attr]
    assert not _leaks(post.title, post.text)  # type: ignore[union-attr]
    assert post.text.rstrip().endswith((".", "!", "?"))  # type: ignore[union-attr]

    ideas = await writing.trending_ideas("home coffee", count=3)
    assert len({idea.title for idea in ideas.ideas}) == 3
    for idea in ideas.ideas:
        assert {"home", "coffee"} <= _words(idea.title)
        assert not _leaks(idea.title, idea.hook, idea.why_now)
