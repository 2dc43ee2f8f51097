"""Writing entry points for host applications: a wired container supplies the Screenwriter."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from dependency_injector.wiring import Provide, inject

from storyreel.containers import Container
from storyreel.controllers.wiring import provided
from storyreel.services.openrouter.models import (
    CharacterAnalysis,
    Content,
    IdeaList,
    Meme,
    WrittenStory,
)
from storyreel.services.openrouter.screenwriter import CharacterLike, Screenwriter


@inject
async def build_story(
    idea: str,
    *,
    segments: int = 5,
    style: str | None = None,
    characters: Iterable[CharacterLike] | None = None,
    duration_seconds: int | None = None,
    screenwriter: Screenwriter = Provide[Container.screenwriter],
) -> WrittenStory:
    """Write a story in ``segments`` (1..20) clips, each clip prompt carrying the description
    of every character it features; ``usage`` holds the tokens spent."""
    return await provided(screenwriter, "Screenwriter").build_story(
        idea,
        segments=segments,
        style=style,
        characters=characters,
        duration_seconds=duration_seconds,
    )


@inject
async def write_meme(
    topic: str,
    *,
    style: str | None = None,
    screenwriter: Screenwriter = Provide[Container.screenwriter],
) -> Meme:
    """Write a meme: top and bottom text, image prompt, caption, hashtags."""
    return await provided(screenwriter, "Screenwriter").write_meme(topic, style=style)


@inject
async def write_content(
    prompt: str,
    *,
    format: str = "post",
    screenwriter: Screenwriter = Provide[Container.screenwriter],
) -> Content:
    """Write a post, thread, script or caption."""
    return await provided(screenwriter, "Screenwriter").write_content(prompt, format=format)


@inject
async def trending_ideas(
    niche: str,
    *,
    count: int = 5,
    screenwriter: Screenwriter = Provide[Container.screenwriter],
) -> IdeaList:
    """Propose ``count`` ideas likely to trend in ``niche``. The model has no web access:
    these are its judgement, not facts about current trends."""
    return await provided(screenwriter, "Screenwriter").trending_ideas(niche, count=count)


@inject
async def analyze_characters(
    images: Sequence[str | os.PathLike[str]],
    *,
    screenwriter: Screenwriter = Provide[Container.screenwriter],
) -> CharacterAnalysis:
    """Describe the characters in local PNG/JPEG/WebP files or http(s) image URLs."""
    return await provided(screenwriter, "Screenwriter").analyze_characters(images)


__all__ = [
    "Screenwriter",
    "analyze_characters",
    "build_story",
    "trending_ideas",
    "write_content",
    "write_meme",
]
