"""Screenwriter and its wired entry points; loading character files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openai.types.chat import ChatCompletion

from storyreel.cli.characters_file import load_characters
from storyreel.containers import Container, close_container, create_container
from storyreel.controllers import screenwriter as entry
from storyreel.domain.story import Character
from storyreel.emulator import EmulatorServer
from storyreel.errors import InputError
from storyreel.services.openrouter.models import (
    CharacterAnalysis,
    IdeaList,
    Meme,
    ScriptContent,
    WrittenStory,
)
from storyreel.services.openrouter.screenwriter import Screenwriter
from storyreel.services.openrouter.writing import WritingService
from storyreel.settings import Settings, load_settings

STORY = {
    "title": "Two Lights",
    "logline": "A keeper and a storm make peace.",
    "characters": [{"name": "Mara", "description": "a keeper in a yellow raincoat"}],
    "segments": [
        {
            "index": 1,
            "narration": "Mara waits.",
            "visual_prompt": "A keeper.",
            "duration_seconds": 8,
        },
        {"index": 2, "narration": "Dawn.", "visual_prompt": "Sunrise.", "duration_seconds": 4},
    ],
}


class StoryTeller:
    """chat.completions.create that records its calls and always answers with STORY."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.chat = self
        self.completions = self

    async def create(self, **kwargs: Any) -> ChatCompletion:
        self.calls.append(kwargs)
        return ChatCompletion.model_validate(
            {
                "id": "c1",
                "object": "chat.completion",
                "created": 1,
                "model": "fake",
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": json.dumps(STORY)},
                    }
                ],
                "usage": {"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7},
            }
        )


@pytest.fixture
def faked(offline_settings: Settings) -> Iterator[tuple[Container, StoryTeller]]:
    container = create_container(offline_settings)
    fake = StoryTeller()
    container.async_openai_client.override(fake)
    yield container, fake
    container.reset_override()
    close_container(container)


async def test_screenwriter_entry_point_is_served_by_the_wired_container(
    faked: tuple[Container, StoryTeller], offline_settings: Settings
) -> None:
    _, fake = faked
    story = await entry.build_story("a keeper and a storm", segments=2)
    assert isinstance(story, WrittenStory)
    assert [s.index for s in story.segments] == [1, 2]
    assert "a keeper in a yellow raincoat" in story.segments[0].visual_prompt
    assert len(fake.calls) == 1
    assert fake.calls[0]["model"] == offline_settings.openrouter.model


async def test_screenwriter_entry_point_takes_an_explicit_screenwriter(
    faked: tuple[Container, StoryTeller],
) -> None:
    _, wired_fake = faked
    own = StoryTeller()
    writer = Screenwriter(WritingService(own, model="my/model", vision_model="my/vision"))
    await entry.build_story("idea", segments=2, screenwriter=writer)
    assert [call["model"] for call in own.calls] == ["my/model"]
    assert wired_fake.calls == []


async def test_screenwriter_container_builds_a_fresh_controller_each_time(
    faked: tuple[Container, StoryTeller],
) -> None:
    container, _ = faked
    first, second = container.screenwriter(), container.screenwriter()
    assert isinstance(first, Screenwriter)
    assert first is not second


async def test_screenwriter_every_entry_point_against_the_emulator(
    emulator: EmulatorServer, tmp_output: Path, tmp_path: Path
) -> None:
    settings = load_settings(
        {"backend": "offline", "output_dir": str(tmp_output), "emulator": {"url": emulator.url}},
        env={},
        dotenv=None,
    )
    image = tmp_path / "hero.webp"
    image.write_bytes(b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24)
    container = create_container(settings)
    try:
        assert isinstance(await entry.write_meme("cats"), Meme)
        assert isinstance(await entry.write_content("cats", format="script"), ScriptContent)
        ideas = await entry.trending_ideas("cats", count=3)
        assert isinstance(ideas, IdeaList)
        assert len(ideas.ideas) == 3
        analysis = await entry.analyze_characters([image])
        assert isinstance(analysis, CharacterAnalysis)
        story = await entry.build_story("cats", segments=2, characters=analysis.characters)
        assert len(story.segments) == 2
    finally:
        close_container(container)


def write(path: Path, document: Any) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_load_characters_accepts_lists_analyses_and_stories(tmp_path: Path) -> None:
    plain = write(tmp_path / "cast.json", [{"name": "Mia", "description": "a girl with a kite"}])
    analysis = write(
        tmp_path / "analysis.json",
        {
            "characters": [
                {
                    "name_hint": "the old man",
                    "appearance": "white beard",
                    "clothing": "blue coat",
                    "distinctive_features": "a cane",
                    "visual_description": "an old man with a white beard, a blue coat and a cane",
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 2},
        },
    )
    story = write(tmp_path / "story.json", {**STORY, "usage": {"prompt_tokens": 1}})
    single = write(tmp_path / "one.json", {"name": "Rex", "description": "a green dinosaur"})
    assert load_characters([plain, analysis, story, single]) == [
        Character(name="Mia", description="a girl with a kite"),
        Character(
            name="the old man", description="an old man with a white beard, a blue coat and a cane"
        ),
        Character(name="Mara", description="a keeper in a yellow raincoat"),
        Character(name="Rex", description="a green dinosaur"),
    ]


def test_load_characters_bad_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_characters([tmp_path / "missing.json"])
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="is not JSON"):
        load_characters([bad])
    nameless = write(tmp_path / "nameless.json", [{"description": "someone"}])
    with pytest.raises(InputError, match=r"nameless.json, entry 1: no 'name'"):
        load_characters([nameless])
    scalar = write(tmp_path / "scalar.json", [42])
    with pytest.raises(InputError, match="expected a character object"):
        load_characters([scalar])
