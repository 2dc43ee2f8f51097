"""``storyreel story|meme|content|ideas|characters``: the writing commands."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from storyreel.cli.options import CharacterFiles, Segments, Style
from storyreel.cli.state import emit_json, run_then_close, state, stderr_console
from storyreel.domain.limits import DEFAULT_IDEAS, DEFAULT_SEGMENTS, MAX_IDEAS

if TYPE_CHECKING:
    from pydantic import BaseModel

    from storyreel.cli.state import CliState

R = TypeVar("R", bound="BaseModel")

_JSON_HELP = "Print one JSON document (its fields are listed above) instead of text."


def _write(cli: CliState, activity: str, call: Callable[[], Awaitable[R]]) -> R:
    """Run one wired writing call on a fresh event loop, closing the clients inside it."""
    container = cli.container()  # builds and wires the container the entry points use

    async def run() -> R:
        with stderr_console().status(f"{activity}…"):
            return await call()

    return run_then_close(container, run)


def _output(result: BaseModel, json_output: bool, render: Callable[[Any], None]) -> None:
    if json_output:
        emit_json(result.model_dump(mode="json"))
    else:
        render(result)


def story(
    ctx: typer.Context,
    idea: Annotated[str, typer.Argument(help="What the story is about.")],
    segments: Segments = DEFAULT_SEGMENTS,
    style: Style = None,
    characters: CharacterFiles = None,
    duration: Annotated[
        int | None,
        typer.Option("--duration", help="4, 6 or 8 seconds for every clip (default: per clip)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Write a story in segments, one video clip each.

    With --json: {"title", "logline", "style", "characters": [{"name", "description"}],
    "segments": [{"index", "narration", "visual_prompt", "duration_seconds"}], "usage":
    {"prompt_tokens", "completion_tokens"}}. Every clip prompt featuring a character carries
    that character's description word for word.
    """
    from storyreel.cli.characters_file import load_characters
    from storyreel.cli.writing_views import show_story
    from storyreel.controllers.screenwriter import build_story

    cast = load_characters(characters or [])
    result = _write(
        state(ctx),
        "writing the story",
        lambda: build_story(
            idea, segments=segments, style=style, characters=cast, duration_seconds=duration
        ),
    )
    _output(result, json_output, show_story)


def meme(
    ctx: typer.Context,
    topic: Annotated[str, typer.Argument(help="What the meme is about.")],
    style: Annotated[str | None, typer.Option("--style", help="Style of the image.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Write a meme: captions, a prompt for its image, a post caption and hashtags.

    With --json: {"top_text", "bottom_text", "image_prompt", "caption", "hashtags": [...],
    "usage": {"prompt_tokens", "completion_tokens"}}.
    """
    from storyreel.cli.writing_views import show_meme
    from storyreel.controllers.screenwriter import write_meme

    result = _write(state(ctx), "writing the meme", lambda: write_meme(topic, style=style))
    _output(result, json_output, show_meme)


def content(
    ctx: typer.Context,
    prompt: Annotated[str, typer.Argument(help="What to write.")],
    format: Annotated[
        str, typer.Option("--format", "-f", help="post, thread, script or caption.")
    ] = "post",
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Write a post, a thread (posts of at most 280 characters), a video script or a caption.

    With --json: {"format", ...the format's fields, "usage"}: post {"title", "text",
    "hashtags"}; thread {"title", "posts"}; script {"title", "hook", "scenes": [{"visual",
    "voiceover"}], "call_to_action"}; caption {"text", "hashtags"}.
    """
    from storyreel.cli.writing_views import show_content
    from storyreel.controllers.screenwriter import write_content

    result = _write(
        state(ctx), f"writing the {format}", lambda: write_content(prompt, format=format)
    )
    _output(result, json_output, show_content)


def ideas(
    ctx: typer.Context,
    niche: Annotated[str, typer.Argument(help="The niche or audience, e.g. 'home cooking'.")],
    count: Annotated[
        int, typer.Option("--count", "-n", help=f"Ideas, 1 to {MAX_IDEAS}.")
    ] = DEFAULT_IDEAS,
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Propose video ideas likely to trend in NICHE.

    The model has no web access and no live trend data: the ideas are its judgement of what
    is likely to do well, not facts about what is trending now.

    With --json: {"niche", "ideas": [{"title", "hook", "why_now", "format"}], "usage":
    {"prompt_tokens", "completion_tokens"}}.
    """
    from storyreel.cli.writing_views import show_ideas
    from storyreel.controllers.screenwriter import trending_ideas

    result = _write(state(ctx), "thinking of ideas", lambda: trending_ideas(niche, count=count))
    _output(result, json_output, show_ideas)


def characters(
    ctx: typer.Context,
    images: Annotated[
        list[str],
        typer.Argument(help="PNG, JPEG or WebP files (max 20 MB each) or http(s) URLs."),
    ],
    json_output: Annotated[bool, typer.Option("--json", help=_JSON_HELP)] = False,
) -> None:
    """Describe the characters in reference images, for consistent clips.

    URLs are passed to the vision model as they are; storyreel never fetches them.

    With --json: {"characters": [{"name_hint", "appearance", "clothing",
    "distinctive_features", "visual_description"}], "usage": {"prompt_tokens",
    "completion_tokens"}}. The file can be given to `storyreel story --characters`.
    """
    from storyreel.cli.writing_views import show_characters
    from storyreel.controllers.screenwriter import analyze_characters

    result = _write(state(ctx), "looking at the images", lambda: analyze_characters(images))
    _output(result, json_output, show_characters)
