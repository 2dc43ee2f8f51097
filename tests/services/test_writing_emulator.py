"""The writing service through the real OpenAI SDK against the emulator, over loopback."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from PIL import Image

from storyreel.containers import Container, close_container, create_container
from storyreel.domain.story import VEO_DURATIONS, Character, Story
from storyreel.emulator import EmulatorServer
from storyreel.errors import ContentBlockedError, ProviderError
from storyreel.services.openrouter.models import CharacterProfile
from storyreel.services.openrouter.writing import WritingService
from storyreel.settings import load_settings


def settings_for(url: str, tmp_output: Path, **extra: Any) -> Any:
    return load_settings(
        {"backend": "offline", "output_dir": str(tmp_output), "emulator": {"url": url}, **extra},
        env={},
        dotenv=None,
    )


@pytest.fixture
def control(emulator: EmulatorServer) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=emulator.url, timeout=10) as client:
        assert client.post("/_emulator/reset").status_code == 200
        yield client
        client.post("/_emulator/reset")


@pytest.fixture
def container(emulator: EmulatorServer, tmp_output: Path) -> Iterator[Container]:
    built = create_container(settings_for(emulator.url, tmp_output))
    yield built
    close_container(built)


@pytest.fixture
def service(container: Container) -> WritingService:
    writing: WritingService = container.writing_service()
    return writing


def png(path: Path, color: str) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 48), color).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def assert_story_structure(story: Story, count: int) -> None:
    assert len(story.segments) == count
    assert [s.index for s in story.segments] == list(range(1, count + 1))
    assert all(s.duration_seconds in VEO_DURATIONS for s in story.segments)
    for character in story.characters:
        name = re.compile(rf"(?<!\w){re.escape(character.name)}(?!\w)", re.IGNORECASE)
        carrying = [s.index for s in story.segments if character.description in s.visual_prompt]
        assert carrying, f"{character.name}'s description is in no prompt"
        for s in story.segments:
            if name.search(s.narration) or name.search(s.visual_prompt):
                assert character.description in s.visual_prompt, (character.name, s.index)


@pytest.mark.parametrize("count", [1, 4, 20])
async def test_writing_story_structure_through_the_sdk(service: WritingService, count: int) -> None:
    story = await service.story("A lighthouse keeper befriends a storm", segments=count)
    assert_story_structure(story, count)
    assert story.usage.prompt_tokens > 0
    assert story.usage.completion_tokens > 0


async def test_writing_story_with_characters_style_and_duration(service: WritingService) -> None:
    cast = [
        Character(name="Mara", description="a grey-haired keeper in a yellow raincoat"),
        Character(name="Gale", description="a swirling storm cloud with two bright eyes"),
    ]
    story = await service.story(
        "Mara and Gale become friends",
        segments=3,
        style="watercolor",
        characters=cast,
        duration_seconds=6,
    )
    assert_story_structure(story, 3)
    assert story.characters[:2] == cast
    assert all("watercolor" in s.visual_prompt for s in story.segments)
    assert {s.duration_seconds for s in story.segments} == {6}


async def test_writing_characters_feed_a_story(service: WritingService, tmp_path: Path) -> None:
    images = [png(tmp_path / "a.png", "red"), png(tmp_path / "b.png", "blue")]
    analysis = await service.characters([*images, "https://example.com/ref.webp"])
    assert all(isinstance(p, CharacterProfile) for p in analysis.characters)
    assert analysis.usage.prompt_tokens > 0
    story = await service.story("A chase", segments=2, characters=analysis.characters)
    assert_story_structure(story, 2)
    for profile in analysis.characters:
        assert any(profile.visual_description in s.visual_prompt for s in story.segments)


async def test_writing_meme_through_the_sdk(service: WritingService) -> None:
    meme = await service.meme("Monday mornings", style="pixel art")
    assert meme.top_text
    assert meme.bottom_text
    assert meme.caption
    assert meme.hashtags
    assert all(tag.startswith("#") and " " not in tag for tag in meme.hashtags)
    assert "pixel art" in meme.image_prompt


@pytest.mark.parametrize("fmt", ["post", "thread", "script", "caption"])
async def test_writing_content_through_the_sdk(service: WritingService, fmt: str) -> None:
    content = await service.content("how to sleep better", format=fmt)
    assert content.format == fmt
    if content.format == "thread":
        assert 2 <= len(content.posts) <= 12
        assert all(len(post) <= 280 for post in content.posts)
    elif content.format == "script":
        assert content.scenes
        assert content.hook
        assert content.call_to_action
    else:
        assert content.text
        assert content.hashtags


async def test_writing_ideas_through_the_sdk(service: WritingService) -> None:
    ideas = await service.trending_ideas("home cooking", count=7)
    assert len(ideas.ideas) == 7
    assert all(i.title and i.hook and i.why_now and i.format for i in ideas.ideas)


async def test_writing_401_from_openrouter(service: WritingService, control: httpx2.Client) -> None:
    control.post(
        "/_emulator/faults", json=[{"route": "chat.completions", "kind": "status", "status": 401}]
    )
    with pytest.raises(ProviderError, match="OPENAI_API_KEY") as caught:
        await service.meme("topic")
    assert caught.value.status == 401


async def test_writing_429_after_the_sdk_retries(
    service: WritingService, control: httpx2.Client, container: Container
) -> None:
    rule = {
        "route": "chat.completions",
        "kind": "status",
        "status": 429,
        "retry_after_s": 0.05,
        "times": 10,
    }
    control.post("/_emulator/faults", json=[rule])
    with pytest.raises(ProviderError) as caught:
        await service.meme("topic")
    assert (caught.value.status, caught.value.retryable) == (429, True)
    assert caught.value.retry_after_s == pytest.approx(0.05)
    sent = control.get("/_emulator/stats").json()["requests"]["chat.completions"]
    assert sent == container.config().openrouter.max_retries + 1  # the SDK's retries, no more


async def test_writing_402_from_openrouter(service: WritingService, control: httpx2.Client) -> None:
    control.post(
        "/_emulator/faults", json=[{"route": "chat.completions", "kind": "status", "status": 402}]
    )
    with pytest.raises(ProviderError) as caught:
        await service.trending_ideas("niche", count=2)
    assert (caught.value.status, caught.value.retryable) == (402, False)


async def test_writing_safety_block_is_content_blocked(
    service: WritingService, control: httpx2.Client
) -> None:
    control.post("/_emulator/faults", json=[{"route": "chat.completions", "kind": "safety_block"}])
    with pytest.raises(ContentBlockedError):
        await service.story("idea", segments=2)


async def test_writing_malformed_body_is_a_provider_error(
    service: WritingService, control: httpx2.Client
) -> None:
    rule = {"route": "chat.completions", "kind": "malformed", "times": 0}
    control.post("/_emulator/faults", json=[rule])
    with pytest.raises(ProviderError, match="could not be read"):
        await service.meme("topic")


async def test_writing_one_unreadable_body_is_sent_again(
    service: WritingService, control: httpx2.Client
) -> None:
    control.post("/_emulator/faults", json=[{"route": "chat.completions", "kind": "malformed"}])
    meme = await service.meme("topic")
    assert meme.top_text
    assert control.get("/_emulator/stats").json()["requests"]["chat.completions"] == 2


async def test_writing_unreachable_openrouter_is_retryable(tmp_output: Path) -> None:
    with EmulatorServer() as stopped:
        url = stopped.url
    container = create_container(settings_for(url, tmp_output, openrouter={"max_retries": 0}))
    try:
        service: WritingService = container.writing_service()
        with pytest.raises(ProviderError, match="Could not connect") as caught:
            await service.meme("topic")
        assert caught.value.retryable is True
    finally:
        close_container(container)
