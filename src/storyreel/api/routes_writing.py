"""Writing routes: stories, memes, content, ideas, and characters from uploaded images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import File, UploadFile
from pydantic import BaseModel, ConfigDict, Field

from storyreel.api.dependencies import AppScreenwriter
from storyreel.api.fields import Characters, Duration, IdeaCount, Segments, Style, Text
from storyreel.api.problems import problem_responses
from storyreel.api.routing import problem_router
from storyreel.api.uploads import UploadRoute, save_images, upload_folder
from storyreel.domain.limits import DEFAULT_IDEAS, DEFAULT_SEGMENTS
from storyreel.services.openrouter.images import MAX_IMAGES
from storyreel.services.openrouter.models import (
    CharacterAnalysis,
    Content,
    ContentFormat,
    IdeaList,
    Meme,
    WrittenStory,
)

# 502/504: the model failed or timed out; 429: its rate limit; 401 when a token is set.
writing_router = problem_router(401, 429, 502, 504, tags=["writing"])
upload_router = problem_router(
    400, 401, 413, 415, 429, 502, 504, tags=["writing"], route_class=UploadRoute
)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StoryBody(_Body):
    """Arguments of ``Screenwriter.build_story``."""

    idea: Text
    segments: Segments = DEFAULT_SEGMENTS
    style: Style = None
    characters: Characters = Field(default_factory=list)
    duration_seconds: Duration = None


class MemeBody(_Body):
    """Arguments of ``Screenwriter.write_meme``."""

    topic: Text
    style: Style = None


class ContentBody(_Body):
    """Arguments of ``Screenwriter.write_content``."""

    prompt: Text
    format: ContentFormat = "post"


class IdeasBody(_Body):
    """Arguments of ``Screenwriter.trending_ideas``."""

    niche: Text
    count: IdeaCount = DEFAULT_IDEAS


@writing_router.post("/stories", response_model=WrittenStory, summary="Write a story")
async def post_story(body: StoryBody, screenwriter: AppScreenwriter) -> WrittenStory:
    """A story in ``segments`` clips; each clip prompt carries the description of every
    character it features. ``usage`` is the tokens spent."""
    return await screenwriter.build_story(
        body.idea,
        segments=body.segments,
        style=body.style,
        characters=body.characters,
        duration_seconds=body.duration_seconds,
    )


@writing_router.post("/memes", response_model=Meme, summary="Write a meme")
async def post_meme(body: MemeBody, screenwriter: AppScreenwriter) -> Meme:
    """Top and bottom text, an image prompt, a caption and hashtags."""
    return await screenwriter.write_meme(body.topic, style=body.style)


@writing_router.post("/content", response_model=Content, summary="Write a post, thread, ...")
async def post_content(body: ContentBody, screenwriter: AppScreenwriter) -> Content:
    """A post, thread, script or caption; ``format`` tells which fields come out."""
    return await screenwriter.write_content(body.prompt, format=body.format)


@writing_router.post("/ideas", response_model=IdeaList, summary="Propose trending ideas")
async def post_ideas(body: IdeasBody, screenwriter: AppScreenwriter) -> IdeaList:
    """Ideas likely to trend in ``niche``. The model has no web access: these are its
    judgement, not facts about current trends."""
    return await screenwriter.trending_ideas(body.niche, count=body.count)


@upload_router.post(
    "/characters",
    response_model=CharacterAnalysis,
    summary="Describe the characters in images",
    responses=problem_responses(413, 415),
)
async def post_characters(
    images: Annotated[
        list[UploadFile],
        File(
            description=f"1-{MAX_IMAGES} PNG, JPEG or WebP images.",
            min_length=1,
            max_length=MAX_IMAGES,
        ),
    ],
    screenwriter: AppScreenwriter,
) -> CharacterAnalysis:
    """Profiles of the characters in the uploaded images (multipart field ``images``).
    The size (``api.max_upload_mb``) and the type (by content) are checked before anything
    is sent to the model."""
    with upload_folder() as folder:
        paths = await save_images(images, Path(folder))
        return await screenwriter.analyze_characters(paths)
