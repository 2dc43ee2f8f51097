"""Screenwriter: the writing use cases, and their container-wired entry points."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from dependency_injector.wiring import Provide, inject
from pydantic import ValidationError

from storyreel.errors import InputError
from storyreel.services.story import Character
from storyreel.services.writing import WritingService
from storyreel.services.writing_models import (
    CharacterAnalysis,
    CharacterProfile,
    Content,
    IdeaList,
    Meme,
    WrittenStory,
)

CharacterLike = Character | CharacterProfile


class Screenwriter:
    """Writes what a video needs: the story, and memes, posts, ideas and character sheets."""

    def __init__(self, writing: WritingService) -> None:
        self._writing = writing

    async def build_story(
        self,
        idea: str,
        *,
        segments: int = 5,
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

    async def trending_ideas(self, niche: str, *, count: int = 5) -> IdeaList:
        """Ideas likely to trend in ``niche``: the model's judgement, it has no web access."""
        return await self._writing.trending_ideas(niche, count=count)

    async def analyze_characters(
        self, images: Sequence[str | os.PathLike[str]]
    ) -> CharacterAnalysis:
        """Character profiles from local images or http(s) URLs."""
        return await self._writing.characters(images)


def _character(item: Any, where: str) -> Character:
    if not isinstance(item, dict):
        raise InputError(f"{where}: expected a character object, got {type(item).__name__}")
    try:
        if "visual_description" in item:
            return CharacterProfile.model_validate(item).to_character()
        return Character.model_validate(
            {"name": item.get("name"), "description": item.get("description")}
        )
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        raise InputError(f"{where}: {field}: {problem['msg']}") from None


def load_characters(paths: Iterable[str | os.PathLike[str]]) -> list[Character]:
    """Characters from JSON files: a list of characters (``name``, ``description``) or of
    profiles, or an object with a ``characters`` list — e.g. the output of
    ``storyreel characters --json`` or ``storyreel story --json``."""
    found: list[Character] = []
    for raw in paths:
        path = Path(raw)
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"characters file {path} does not exist") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"characters file {path} cannot be read: {exc}") from None
        except json.JSONDecodeError as exc:
            raise InputError(f"characters file {path} is not JSON: {exc.msg}") from None
        items = document.get("characters", document) if isinstance(document, dict) else document
        items = items if isinstance(items, list) else [items]
        found += [_character(item, f"{path} item {n}") for n, item in enumerate(items, start=1)]
    return found


# Entry points for host applications: a wired container supplies the Screenwriter.


@inject
async def build_story(
    idea: str,
    *,
    segments: int = 5,
    style: str | None = None,
    characters: Iterable[CharacterLike] | None = None,
    duration_seconds: int | None = None,
    screenwriter: Screenwriter = Provide["screenwriter"],
) -> WrittenStory:
    """Write a story in ``segments`` (1..20) clips, each clip prompt carrying the description
    of every character it features; ``usage`` holds the tokens spent."""
    return await screenwriter.build_story(
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
    screenwriter: Screenwriter = Provide["screenwriter"],
) -> Meme:
    """Write a meme: top and bottom text, image prompt, caption, hashtags."""
    return await screenwriter.write_meme(topic, style=style)


@inject
async def write_content(
    prompt: str,
    *,
    format: str = "post",
    screenwriter: Screenwriter = Provide["screenwriter"],
) -> Content:
    """Write a post, thread, script or caption."""
    return await screenwriter.write_content(prompt, format=format)


@inject
async def trending_ideas(
    niche: str,
    *,
    count: int = 5,
    screenwriter: Screenwriter = Provide["screenwriter"],
) -> IdeaList:
    """Propose ``count`` ideas likely to trend in ``niche``. The model has no web access:
    these are its judgement, not facts about current trends."""
    return await screenwriter.trending_ideas(niche, count=count)


@inject
async def analyze_characters(
    images: Sequence[str | os.PathLike[str]],
    *,
    screenwriter: Screenwriter = Provide["screenwriter"],
) -> CharacterAnalysis:
    """Describe the characters in local PNG/JPEG/WebP files or http(s) image URLs."""
    return await screenwriter.analyze_characters(images)


__all__ = [
    "Screenwriter",
    "analyze_characters",
    "build_story",
    "load_characters",
    "trending_ideas",
    "write_content",
    "write_meme",
]
