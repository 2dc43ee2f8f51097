"""What the writing service returns: memes, content, ideas, character profiles, metered stories."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from storyreel.domain.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_LOGLINE_CHARS,
    MAX_NAME_CHARS,
    MAX_TITLE_CHARS,
)
from storyreel.domain.story import Character, Story, Usage

ContentFormat = Literal["post", "thread", "script", "caption"]
CONTENT_FORMATS: tuple[str, ...] = ("post", "thread", "script", "caption")
THREAD_POST_MAX_CHARS = 280


class _Model(BaseModel):
    # Stripping first makes a whitespace-only reply fail min_length and get repaired.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _hashtag(tag: str) -> str:
    word = "".join(tag.split()).lstrip("#")
    return f"#{word}" if word else ""


class _Hashtagged(_Model):
    hashtags: list[str] = Field(
        description="Hashtags, each one word starting with #.", min_length=1, max_length=10
    )

    @field_validator("hashtags")
    @classmethod
    def _normalise(cls, tags: list[str]) -> list[str]:
        cleaned = [tag for tag in (_hashtag(raw) for raw in tags) if tag]
        if not cleaned:
            raise ValueError("at least one hashtag must contain a word")
        return list(dict.fromkeys(cleaned))


class CharacterDraft(_Model):
    name: str = Field(min_length=1, max_length=MAX_NAME_CHARS)
    description: str = Field(
        min_length=1,
        max_length=MAX_DESCRIPTION_CHARS,
        description="A visual description (look, age, clothing) every clip will carry verbatim.",
    )


class SegmentDraft(_Model):
    index: int = Field(description="Position in the story, from 1.")
    narration: str = Field(min_length=1, description="What the narrator says over this clip.")
    visual_prompt: str = Field(
        min_length=1,
        description="A self-contained video prompt: subject, action, setting, camera, style.",
    )
    # No ``enum`` in the schema: Gemini-backed providers refuse an enum of integers. Another
    # length is snapped to the nearest allowed one (no paid repair for it), and the story's
    # Segment (pydantic, VeoDuration) accepts only the allowed lengths.
    duration_seconds: int = Field(description="Clip length in seconds: 4, 6 or 8.")


class StoryDraft(_Model):
    title: str = Field(min_length=1, max_length=MAX_TITLE_CHARS)
    logline: str = Field(
        min_length=1, max_length=MAX_LOGLINE_CHARS, description="The story in one sentence."
    )
    # How many characters the model may invent or list: a bound on its reply, not the
    # limit on characters a caller gives (MAX_CHARACTERS), which are kept whatever it lists.
    characters: list[CharacterDraft] = Field(max_length=6)
    segments: list[SegmentDraft]


class WrittenStory(Story):
    """A :class:`Story` as written by the LLM, with the tokens it cost
    (``to_story()`` leaves them out)."""

    usage: Usage = Field(default_factory=Usage)


class MemeDraft(_Hashtagged):
    top_text: str = Field(min_length=1, description="Upper caption: a few words.")
    bottom_text: str = Field(min_length=1, description="Lower caption, the punchline: a few words.")
    image_prompt: str = Field(
        min_length=1,
        description="A self-contained prompt for an image model: subject, scene, style.",
    )
    caption: str = Field(min_length=1, description="The post's caption, one or two sentences.")


class Meme(MemeDraft):
    """A meme: the two captions, a prompt for its image, a post caption and hashtags."""

    usage: Usage = Field(default_factory=Usage)


class PostDraft(_Hashtagged):
    title: str = Field(min_length=1, description="A headline for the post.")
    text: str = Field(min_length=1, description="The post's body, at most 3000 characters.")


class ThreadDraft(_Model):
    title: str = Field(min_length=1, description="What the thread is about.")
    posts: list[Annotated[str, Field(min_length=1, max_length=THREAD_POST_MAX_CHARS)]] = Field(
        min_length=2,
        max_length=12,
        description=f"The posts in order, each at most {THREAD_POST_MAX_CHARS} characters.",
    )


class ScriptScene(_Model):
    """One beat of a short-video script."""

    visual: str = Field(min_length=1, description="What the viewer sees.")
    voiceover: str = Field(min_length=1, description="What is said over it.")


class ScriptDraft(_Model):
    title: str = Field(min_length=1, description="The video's title.")
    hook: str = Field(min_length=1, description="The opening line.")
    scenes: list[ScriptScene] = Field(min_length=1, max_length=12)
    call_to_action: str = Field(min_length=1, description="The closing ask.")


class CaptionDraft(_Hashtagged):
    text: str = Field(min_length=1, description="The caption, at most 2200 characters.")


class PostContent(PostDraft):
    """A single social post."""

    format: Literal["post"] = "post"
    usage: Usage = Field(default_factory=Usage)


class ThreadContent(ThreadDraft):
    """A thread: a list of posts, each within the length limit."""

    format: Literal["thread"] = "thread"
    usage: Usage = Field(default_factory=Usage)


class ScriptContent(ScriptDraft):
    """A short-video script: hook, scenes, call to action."""

    format: Literal["script"] = "script"
    usage: Usage = Field(default_factory=Usage)


class CaptionContent(CaptionDraft):
    """A caption for an image or a clip, with hashtags."""

    format: Literal["caption"] = "caption"
    usage: Usage = Field(default_factory=Usage)


Content = Annotated[
    PostContent | ThreadContent | ScriptContent | CaptionContent, Field(discriminator="format")
]

CONTENT_MODELS: dict[str, tuple[type[_Model], type[_Model]]] = {
    "post": (PostDraft, PostContent),
    "thread": (ThreadDraft, ThreadContent),
    "script": (ScriptDraft, ScriptContent),
    "caption": (CaptionDraft, CaptionContent),
}


class Idea(_Model):
    """A video idea likely to do well now (a guess by the model, not a fact)."""

    title: str = Field(min_length=1, description="The idea in a few words.")
    hook: str = Field(min_length=1, description="The first line or shot.")
    why_now: str = Field(min_length=1, description="Why it is likely to find an audience now.")
    format: str = Field(min_length=1, description="e.g. short video, thread, meme.")


class IdeasDraft(_Model):
    ideas: list[Idea]


class IdeaList(IdeasDraft):
    """Ideas for a niche, with the tokens they cost."""

    niche: str
    usage: Usage = Field(default_factory=Usage)


class CharacterProfile(_Model):
    """A character seen in reference images, described so that every clip draws it the same."""

    name_hint: str = Field(
        min_length=1,
        max_length=MAX_NAME_CHARS,
        description="A short name or label for the character.",
    )
    appearance: str = Field(min_length=1, description="Body, face, hair, skin, apparent age.")
    clothing: str = Field(min_length=1, description="Garments, colours, materials.")
    distinctive_features: str = Field(min_length=1, description="What sets it apart at a glance.")
    visual_description: str = Field(
        min_length=1,
        max_length=MAX_DESCRIPTION_CHARS,
        description="One self-contained description a video prompt can carry verbatim.",
    )

    def to_character(self, name: str | None = None) -> Character:
        """The character for a story: the name hint (or ``name``) and the visual description."""
        return Character(name=name or self.name_hint, description=self.visual_description)


class CharactersDraft(_Model):
    characters: list[CharacterProfile]


class CharacterAnalysis(CharactersDraft):
    """The characters found in the images, with the tokens they cost."""

    usage: Usage = Field(default_factory=Usage)


__all__ = [
    "CONTENT_FORMATS",
    "CaptionContent",
    "CharacterAnalysis",
    "CharacterProfile",
    "Content",
    "ContentFormat",
    "Idea",
    "IdeaList",
    "Meme",
    "PostContent",
    "ScriptContent",
    "ScriptScene",
    "ThreadContent",
    "WrittenStory",
]
