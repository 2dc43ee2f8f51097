"""The writing service: stories, memes, posts, ideas and character profiles from the LLM."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, cast

from storyreel.domain.limits import (
    DEFAULT_IDEAS,
    DEFAULT_SEGMENTS,
    MAX_IDEAS,
    MAX_STYLE_CHARS,
    check_count,
    check_duration,
    check_segments,
)
from storyreel.domain.shots import with_style
from storyreel.domain.story import Character, Usage
from storyreel.domain.text import checked_text, optional_text
from storyreel.errors import InputError
from storyreel.quota import Limiter
from storyreel.services.openrouter.images import image_urls
from storyreel.services.openrouter.json_schema import flat_schema
from storyreel.services.openrouter.models import (
    CONTENT_FORMATS,
    CONTENT_MODELS,
    THREAD_POST_MAX_CHARS,
    CharacterAnalysis,
    CharacterProfile,
    CharactersDraft,
    Content,
    IdeaList,
    IdeasDraft,
    Meme,
    MemeDraft,
    StoryDraft,
    WrittenStory,
)
from storyreel.services.openrouter.story_rules import (
    DEFAULT_WORDS_PER_SECOND,
    characters_block,
    exactly,
    finish_story,
    given_characters,
    narration_block,
    story_check,
)
from storyreel.services.openrouter.structured import (
    ChatClient,
    StructuredRequest,
    complete_structured,
    render_prompt,
)
from storyreel.services.openrouter.throttling import LimitedChatClient

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionContentPartParam, ChatCompletionMessageParam

logger = logging.getLogger(__name__)

# The most profiles one analysis returns (a bound on the reply, not on the input).
MAX_PROFILES = 10


class WritingService:
    """One method per writing operation, each one structured LLM call (plus one repair at most).

    ``client`` is an ``AsyncOpenAI`` pointed at OpenRouter (or anything with the same
    ``chat.completions.create``); ``model`` writes text, ``vision_model`` reads images.
    A story's narrations are sized to be read at ``words_per_second`` within their clips.
    """

    def __init__(
        self,
        client: ChatClient,
        *,
        model: str,
        vision_model: str,
        words_per_second: float = DEFAULT_WORDS_PER_SECOND,
        require_parameters: bool = True,
        limiter: Limiter | None = None,
    ) -> None:
        # Every call waits for the OpenRouter budget of its model (none without a limiter).
        self._client = client if limiter is None else LimitedChatClient(client, limiter)
        self._model = model
        self._vision_model = vision_model
        self._words_per_second = words_per_second
        self._require_parameters = require_parameters

    def _request(
        self,
        name: str,
        schema: dict[str, Any],
        messages: list[ChatCompletionMessageParam],
        model: str | None = None,
    ) -> StructuredRequest:
        model = model or self._model
        return StructuredRequest(model, name, schema, messages, self._require_parameters)

    def _messages(
        self, user: str | list[ChatCompletionContentPartParam]
    ) -> list[ChatCompletionMessageParam]:
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": render_prompt("system")},
            {"role": "user", "content": user},
        ]
        return messages

    def _log(self, what: str, usage: Usage) -> None:
        logger.info(
            "%s: %d prompt + %d completion tokens",
            what,
            usage.prompt_tokens,
            usage.completion_tokens,
        )

    async def story(
        self,
        idea: str,
        *,
        segments: int = DEFAULT_SEGMENTS,
        style: str | None = None,
        characters: Iterable[Character | CharacterProfile] | None = None,
        duration_seconds: int | None = None,
    ) -> WrittenStory:
        """A story in exactly ``segments`` (1..MAX_SEGMENTS) clips.

        Every clip prompt that features a character (its name appears in the narration or
        the prompt) carries that character's description verbatim, each character is in at
        least one prompt, ``style`` is in every prompt, and durations are 4, 6 or 8 seconds
        (``duration_seconds`` for all when given). Given ``characters`` (at most
        MAX_CHARACTERS) are kept as they are. A narration too long for its clip is repaired.
        """
        idea = checked_text(idea, "idea")
        count = check_segments(segments)
        style = optional_text(style, "style", MAX_STYLE_CHARS)
        if duration_seconds is not None:
            duration_seconds = check_duration(duration_seconds)
        cast_list = given_characters(characters)
        prompt = render_prompt(
            "story",
            idea=idea,
            segments=str(count),
            duration_block=(
                f"Every segment lasts {duration_seconds} seconds."
                if duration_seconds
                else "Choose each segment's duration_seconds from 4, 6 and 8 to suit its moment."
            ),
            style_block=(
                f"Visual style of every clip: {style}. Put these words in every visual_prompt."
                if style
                else ""
            ),
            characters_block=characters_block(cast_list),
            narration_block=narration_block(self._words_per_second, duration_seconds),
        )
        schema = flat_schema(StoryDraft, arrays={"segments": (count, count)})
        request = self._request("story", schema, self._messages(prompt))
        check = story_check(count, self._words_per_second, duration_seconds)
        draft, usage = await complete_structured(self._client, request, StoryDraft, check)
        story = finish_story(draft, style=style, given=cast_list, duration_seconds=duration_seconds)
        self._log("story", usage)
        return WrittenStory(**dict(story), usage=usage)

    async def meme(self, topic: str, *, style: str | None = None) -> Meme:
        """A meme: top and bottom text, an image prompt, a caption and hashtags."""
        topic = checked_text(topic, "topic")
        style = optional_text(style, "style", MAX_STYLE_CHARS)
        block = f"Visual style of the image: {style}. Put it in the image_prompt." if style else ""
        text = render_prompt("meme", topic=topic, style_block=block)
        request = self._request("meme", flat_schema(MemeDraft), self._messages(text))
        draft, usage = await complete_structured(self._client, request, MemeDraft)
        draft.image_prompt = with_style(draft.image_prompt, style)
        self._log("meme", usage)
        return Meme(**dict(draft), usage=usage)

    async def content(self, prompt: str, *, format: str = "post") -> Content:
        """Free content in one ``format``: post, thread (posts of at most 280 characters),
        script (hook, scenes, call to action) or caption."""
        prompt = checked_text(prompt, "prompt")
        if format not in CONTENT_FORMATS:
            choices = ", ".join(CONTENT_FORMATS)
            raise InputError(f"unknown format {format!r}; choose one of {choices}")
        draft_model, result_model = CONTENT_MODELS[format]
        text = render_prompt(
            f"content_{format}", prompt=prompt, post_chars=str(THREAD_POST_MAX_CHARS)
        )
        request = self._request(format, flat_schema(draft_model), self._messages(text))
        draft, usage = await complete_structured(self._client, request, draft_model)
        self._log(f"content ({format})", usage)
        return cast(Content, result_model.model_validate({**dict(draft), "usage": usage}))

    async def trending_ideas(self, niche: str, *, count: int = DEFAULT_IDEAS) -> IdeaList:
        """``count`` (1..MAX_IDEAS) video ideas likely to trend in ``niche``.

        The model has no web access and no live trend data: these are its judgement of what
        is likely to do well, not facts about what is trending.
        """
        niche = checked_text(niche, "niche")
        count = check_count(count, "count", MAX_IDEAS)
        schema = flat_schema(IdeasDraft, arrays={"ideas": (count, count)})
        text = render_prompt("ideas", niche=niche, count=str(count))
        request = self._request("trending_ideas", schema, self._messages(text))
        draft, usage = await complete_structured(
            self._client, request, IdeasDraft, exactly("ideas", count)
        )
        self._log("ideas", usage)
        return IdeaList(niche=niche, ideas=draft.ideas, usage=usage)

    async def characters(self, images: Sequence[str | os.PathLike[str]]) -> CharacterAnalysis:
        """Profiles of the characters in 1..10 images, by the vision model.

        Local PNG/JPEG/WebP files (at most 20 MB each) are sent inline as data URLs;
        http(s) URLs are passed to the model as they are, never fetched by storyreel.
        """
        urls = image_urls(images)
        count_text = "image" if len(urls) == 1 else f"{len(urls)} images"
        parts: list[ChatCompletionContentPartParam] = [
            {"type": "text", "text": render_prompt("characters", count_text=count_text)}
        ]
        parts += [{"type": "image_url", "image_url": {"url": url}} for url in urls]
        schema = flat_schema(CharactersDraft, arrays={"characters": (0, MAX_PROFILES)})
        messages = self._messages(parts)
        request = self._request("character_profiles", schema, messages, self._vision_model)
        draft, usage = await complete_structured(self._client, request, CharactersDraft)
        self._log("characters", usage)
        return CharacterAnalysis(characters=draft.characters[:MAX_PROFILES], usage=usage)
