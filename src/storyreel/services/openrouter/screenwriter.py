"""Screenwriter: the writing use cases a video and its posts need, over the writing service."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence

from storyreel.domain.limits import DEFAULT_IDEAS, DEFAULT_SEGMENTS
from storyreel.domain.story import Character
from storyreel.services.openrouter.models import (
    CharacterAnalysis,
    CharacterProfile,
    Content,
    IdeaList,
    Meme,
    WrittenStory,
)
from storyreel.services.openrouter.writing import WritingService

CharacterLike = Character | CharacterProfile


class Screenwriter:
    """Writes what a video needs: the story, and memes, posts, ideas and character sheets."""

    def __init__(self, writing: WritingService) -> None:
        self._writing = writing

    async def build_story(
        self,
        idea: str,
        *,
        segments: int = DEFAULT_SEGMENTS,
        style: str | None = None,
        characters: Iterable[CharacterLike] | None = None,
        duration_seconds: int | None = None,
    ) -> WrittenStory:
        """A story in ``segments`` clips; see :meth:`WritingService.story` for the guarantees."""
        return await self._writing.story(
            idea,
            segments=segments,
            style=style,
            characters=characters,
            duration_seconds=duration_seconds,
        )

    async def write_meme(self, topic: str, *, style: str | None = None) -> Meme:
        """A meme about ``topic``."""
        return await self._writing.meme(topic, style=style)

    async def write_content(self, prompt: str, *, format: str = "post") -> Content:
        """A post, thread, script or caption from ``prompt``."""
        return await self._writing.content(prompt, format=format)

    async def trending_ideas(self, niche: str, *, count: int = DEFAULT_IDEAS) -> IdeaList:
        """Ideas likely to trend in ``niche``: the model's judgement, it has no web access."""
        return await self._writing.trending_ideas(niche, count=count)

    async def analyze_characters(
        self, images: Sequence[str | os.PathLike[str]]
    ) -> CharacterAnalysis:
        """Character profiles from local images or http(s) URLs."""
        return await self._writing.characters(images)
