"""Narration sized to its clip: asked for in the prompt, checked after the reply, repaired once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from chat_fakes import completion, segment, story_reply, writing

from emulator_control import EmulatorControl
from storyreel.containers import Container, aclose_container, create_container
from storyreel.errors import StructuredOutputError
from storyreel.services.openrouter.story_rules import spoken_words
from storyreel.settings import Settings, load_settings

SHORT = "The storm knocks at the lighthouse door."  # 7 words
LONG = " ".join(["The storm knocks again and again at the old door."] * 4)  # 40 words


def _story(*narrations: str, duration: int = 8) -> dict[str, Any]:
    return story_reply(
        [
            segment(n, narration, f"Wide shot of the lighthouse, moment {n}.", duration)
            for n, narration in enumerate(narrations, start=1)
        ]
    )


async def test_prompt_asks_for_the_words_each_duration_allows(container: Container) -> None:
    service, fake = writing(container, completion(_story(SHORT, SHORT)))

    await service.story("A lighthouse keeper befriends a storm", segments=2)

    prompt = fake.user_text()
    assert "2.5 spoken words per second" in prompt
    assert "10 for a 4-second segment" in prompt
    assert "20 for a 8-second segment" in prompt


async def test_over_long_narration_gets_exactly_one_repair(container: Container) -> None:
    service, fake = writing(
        container, completion(_story(SHORT, LONG)), completion(_story(SHORT, SHORT))
    )

    story = await service.story("A lighthouse keeper befriends a storm", segments=2)

    assert len(fake.calls) == 2
    repair = fake.user_text(1)
    assert "segment 2's narration has 40 words" in repair
    assert "8-second clip (at most 20)" in repair
    assert "segment 1" not in repair
    assert [s.narration for s in story.segments] == [SHORT, SHORT]


async def test_narration_still_too_long_after_the_repair_is_an_error(
    container: Container,
) -> None:
    service, fake = writing(container, completion(_story(LONG)), completion(_story(LONG)))

    with pytest.raises(StructuredOutputError, match="narration has 40 words"):
        await service.story("A lighthouse keeper befriends a storm", segments=1)

    assert len(fake.calls) == 2


async def test_a_word_or_two_over_is_no_reason_for_a_repair(container: Container) -> None:
    twenty_two = " ".join(["word"] * 22)
    service, fake = writing(container, completion(_story(twenty_two)))

    await service.story("A lighthouse keeper befriends a storm", segments=1)

    assert len(fake.calls) == 1


async def test_fixed_duration_bounds_every_segment(container: Container) -> None:
    # The draft says 8 s, but every clip lasts 4 s: 15 words is too long for that.
    fifteen = " ".join(["word"] * 15)
    service, fake = writing(container, completion(_story(fifteen)), completion(_story(SHORT)))

    await service.story("A storm", segments=1, duration_seconds=4)

    assert "write at most 10 words of narration per segment" in fake.user_text(0)
    assert "4-second clip (at most 10)" in fake.user_text(1)


async def test_words_per_second_comes_from_the_settings(offline_settings: Settings) -> None:
    data = offline_settings.model_dump(mode="json")
    data["narration"]["words_per_second"] = 2.0
    container = create_container(load_settings(data, env={}, dotenv=None))
    try:
        # 22 words: fine at 2.5 words a second (20, a word or two over), too long at 2.0 (16).
        words = " ".join(["word"] * 22)
        service, fake = writing(container, completion(_story(words)), completion(_story(SHORT)))
        await service.story("A storm", segments=1)
    finally:
        await aclose_container(container)
    assert "2 spoken words per second" in fake.user_text(0)
    assert "16 for a 8-second segment" in fake.user_text(0)
    assert len(fake.calls) == 2


@pytest.fixture
async def offline(emulator: Any, offline_settings: Settings) -> AsyncIterator[Container]:
    data = offline_settings.model_dump(mode="json")
    data["emulator"]["url"] = emulator.url
    container = create_container(load_settings(data, env={}, dotenv=None))
    yield container
    await aclose_container(container)


@pytest.mark.parametrize("duration", [None, 4])
async def test_emulated_writer_keeps_narrations_within_the_bound(
    offline: Container, emulator: Any, duration: int | None
) -> None:
    control = EmulatorControl(emulator)
    control.reset()
    try:
        story = await offline.writing_service().story(
            "A lighthouse keeper befriends a storm that keeps knocking at her door",
            segments=4,
            duration_seconds=duration,
        )
        assert control.stats()["requests"]["chat.completions"] == 1  # no repair needed
    finally:
        control.close()
    for written in story.segments:
        assert 1 <= spoken_words(written.narration) <= 2.5 * written.duration_seconds
