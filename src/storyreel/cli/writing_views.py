"""How the writing commands look without --json: Rich text on stdout.

Panels and tables are printed with soft_wrap=False: the shared console soft-wraps, which
would crop text inside a box instead of wrapping it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from storyreel.cli.state import stdout_console

if TYPE_CHECKING:
    from rich.console import Console

    from storyreel.domain.story import Usage
    from storyreel.services.openrouter.models import (
        CharacterAnalysis,
        Content,
        IdeaList,
        Meme,
        WrittenStory,
    )


def _usage(console: Console, usage: Usage) -> None:
    console.print(
        f"[dim]tokens: {usage.prompt_tokens} prompt + {usage.completion_tokens} completion[/]"
    )


def show_story(story: WrittenStory) -> None:
    """Title, logline, the characters, then each segment with its clip prompt."""
    console = stdout_console()
    console.print(f"[bold]{escape(story.title)}[/]")
    console.print(f"[italic]{escape(story.logline)}[/]")
    if story.style:
        console.print(f"style: {escape(story.style)}")
    if story.characters:
        table = Table("character", "description", title="Characters", title_justify="left")
        for character in story.characters:
            table.add_row(escape(character.name), escape(character.description))
        console.print(table, soft_wrap=False)
    for segment in story.segments:
        console.print(
            f"\n[bold]{segment.index}.[/] [cyan]{segment.duration_seconds} s[/]  "
            f"{escape(segment.narration)}"
        )
        console.print(f"   [dim]{escape(segment.visual_prompt)}[/]")
    console.print(f"\n{len(story.segments)} segments, {story.total_seconds} s in all")
    _usage(console, story.usage)


def show_meme(meme: Meme) -> None:
    """The two captions in a panel, then the image prompt, caption and hashtags."""
    console = stdout_console()
    body = (
        f"[bold]{escape(meme.top_text.upper())}[/]\n\n[bold]{escape(meme.bottom_text.upper())}[/]"
    )
    console.print(Panel(body, title="meme", expand=False), soft_wrap=False)
    console.print(f"[dim]image:[/] {escape(meme.image_prompt)}")
    console.print(escape(meme.caption))
    console.print(escape(" ".join(meme.hashtags)))
    _usage(console, meme.usage)


def show_content(content: Content) -> None:
    """The piece as it would be posted."""
    console = stdout_console()
    title = getattr(content, "title", None)
    if title:
        console.print(f"[bold]{escape(title)}[/]\n")
    if content.format == "thread":
        total = len(content.posts)
        for number, post in enumerate(content.posts, start=1):
            console.print(
                Panel(escape(post), title=f"{number}/{total}", expand=False), soft_wrap=False
            )
    elif content.format == "script":
        console.print(f"[bold]hook:[/] {escape(content.hook)}")
        for number, scene in enumerate(content.scenes, start=1):
            console.print(f"\n[bold]{number}.[/] [dim]{escape(scene.visual)}[/]")
            console.print(f"   {escape(scene.voiceover)}")
        console.print(f"\n[bold]call to action:[/] {escape(content.call_to_action)}")
    else:
        console.print(escape(content.text))
        console.print(escape(" ".join(content.hashtags)))
    _usage(console, content.usage)


def show_ideas(ideas: IdeaList) -> None:
    """One row per idea."""
    console = stdout_console()
    table = Table(
        "#", "idea", "hook", "why now", "format", title=f"Ideas for {escape(ideas.niche)}"
    )
    for number, idea in enumerate(ideas.ideas, start=1):
        table.add_row(
            str(number),
            escape(idea.title),
            escape(idea.hook),
            escape(idea.why_now),
            escape(idea.format),
        )
    console.print(table, soft_wrap=False)
    console.print("[dim]The model has no web access: these are likely trends, not facts.[/]")
    _usage(console, ideas.usage)


def show_characters(analysis: CharacterAnalysis) -> None:
    """One panel per character, its visual description first."""
    console = stdout_console()
    if not analysis.characters:
        console.print("No characters found in the images.")
    for profile in analysis.characters:
        body = (
            f"{escape(profile.visual_description)}\n\n"
            f"[dim]appearance:[/] {escape(profile.appearance)}\n"
            f"[dim]clothing:[/] {escape(profile.clothing)}\n"
            f"[dim]distinctive:[/] {escape(profile.distinctive_features)}"
        )
        console.print(Panel(body, title=escape(profile.name_hint), expand=False), soft_wrap=False)
    _usage(console, analysis.usage)
