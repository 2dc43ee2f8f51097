"""WritingService with a recording fake in place of AsyncOpenAI: prompts, schemas, results."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chat_fakes import (
    FakeAsyncOpenAI,
    completion,
    segment,
    simple_story,
    story_reply,
    writing,
)

from storyreel.containers import Container
from storyreel.domain.story import Character, Usage
from storyreel.errors import InputError
from storyreel.services.openrouter.models import CharacterProfile, ThreadContent
from storyreel.settings import Settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


def sent_schema(fake: FakeAsyncOpenAI, call: int = 0) -> dict[str, Any]:
    response_format = fake.calls[call]["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["strict"] is True
    schema: dict[str, Any] = response_format["json_schema"]["schema"]
    return schema


def assert_flat(schema: dict[str, Any]) -> None:
    assert "$ref" not in json.dumps(schema)
    assert "$defs" not in schema
    for node in walk(schema):
        if "properties" in node:
            assert node["additionalProperties"] is False
            assert sorted(node["required"]) == sorted(node["properties"])


async def test_story_sends_flat_schema_model_and_prompt(
    container: Container, offline_settings: Settings
) -> None:
    service, fake = writing(container, completion(simple_story(3)))
    await service.story("A lighthouse keeper befriends a storm", segments=3, style="watercolor")
    assert len(fake.calls) == 1
    call = fake.calls[0]
    assert call["model"] == offline_settings.openrouter.model
    assert call["response_format"]["json_schema"]["name"] == "story"
    schema = sent_schema(fake)
    assert_flat(schema)
    segments = schema["properties"]["segments"]
    assert (segments["minItems"], segments["maxItems"]) == (3, 3)
    duration = segments["items"]["properties"]["duration_seconds"]
    # Gemini-backed providers refuse an integer enum: the lengths are in the description.
    assert "enum" not in duration
    assert "4, 6 or 8" in duration["description"]
    assert call["messages"][0]["role"] == "system"
    prompt = fake.user_text()
    assert "A lighthouse keeper befriends a storm" in prompt
    assert "exactly 3 segments" in prompt
    assert "watercolor" in prompt
    assert "$" not in prompt  # every template placeholder was filled


async def test_story_parses_renumbers_and_snaps_durations(container: Container) -> None:
    reply = story_reply(
        [
            segment(7, "Third.", "Shot three.", duration=10),
            segment(2, "First.", "Shot one.", duration=5),
            segment(3, "Second.", "Shot two.", duration=3),
        ]
    )
    service, _ = writing(container, completion(reply, prompt_tokens=40, completion_tokens=90))
    story = await service.story("idea", segments=3)
    assert [s.index for s in story.segments] == [1, 2, 3]
    assert [s.narration for s in story.segments] == ["First.", "Second.", "Third."]
    assert [s.duration_seconds for s in story.segments] == [6, 4, 8]
    assert story.title == "The Keeper and the Storm"
    assert story.usage == Usage(prompt_tokens=40, completion_tokens=90)


async def test_story_duration_applies_to_every_segment(container: Container) -> None:
    service, fake = writing(container, completion(simple_story(2)))
    story = await service.story("idea", segments=2, duration_seconds=4)
    assert {s.duration_seconds for s in story.segments} == {4}
    assert "Every segment lasts 4 seconds." in fake.user_text()


async def test_story_featured_characters_carry_descriptions_verbatim(
    container: Container,
) -> None:
    mara = Character(name="Mara", description="a grey-haired woman in a yellow raincoat")
    reply = story_reply(
        [
            segment(1, "The sea is loud tonight.", "Waves crash on rocks at night."),
            segment(2, "Mara climbs the stairs.", "A keeper climbs a spiral staircase."),
            segment(3, "The storm answers.", "Lightning over the lighthouse, with Pip watching."),
        ],
        characters=[
            {"name": "Mara", "description": "a woman the model described differently"},
            {"name": "Pip", "description": "a small black cat with one white ear"},
            {"name": "Old Tom", "description": "a bearded fisherman in oilskins"},
        ],
    )
    service, fake = writing(container, completion(reply))
    story = await service.story("idea", segments=3, characters=[mara])
    prompts = [s.visual_prompt for s in story.segments]
    # The caller's character wins over the model's redefinition; the model's new ones are kept.
    assert story.characters == [
        mara,
        Character(name="Pip", description="a small black cat with one white ear"),
        Character(name="Old Tom", description="a bearded fisherman in oilskins"),
    ]
    assert mara.description in prompts[1]
    assert mara.description not in prompts[0]
    assert mara.description not in prompts[2]
    assert "a small black cat with one white ear" in prompts[2]
    # Nobody mentions Old Tom: the first segment features him so his look is fixed once.
    assert "a bearded fisherman in oilskins" in prompts[0]
    assert "Mara: a grey-haired woman in a yellow raincoat" in fake.user_text()


async def test_story_accepts_character_profiles(container: Container) -> None:
    profile = CharacterProfile(
        name_hint="Ada",
        appearance="tall, short silver hair",
        clothing="green coat",
        distinctive_features="round glasses",
        visual_description="a tall woman with short silver hair, round glasses and a green coat",
    )
    reply = story_reply([segment(1, "Ada waves.", "A woman waves from a pier.")])
    service, _ = writing(container, completion(reply))
    story = await service.story("idea", segments=1, characters=[profile])
    assert story.characters[0] == Character(name="Ada", description=profile.visual_description)
    assert profile.visual_description in story.segments[0].visual_prompt


async def test_story_style_is_in_every_prompt(container: Container) -> None:
    reply = story_reply(
        [
            segment(1, "One.", "A tower in the rain, watercolor style."),
            segment(2, "Two.", "A tower at dawn"),
        ]
    )
    service, _ = writing(container, completion(reply))
    story = await service.story("idea", segments=2, style="watercolor")
    assert story.style == "watercolor"
    assert story.segments[0].visual_prompt == "A tower in the rain, watercolor style."
    assert story.segments[1].visual_prompt == "A tower at dawn. Style: watercolor."


async def test_story_invalid_reply_gets_exactly_one_repair(container: Container) -> None:
    service, fake = writing(
        container,
        completion("Sure! Here is your story: once upon a time", prompt_tokens=5),
        completion(simple_story(2), prompt_tokens=50, completion_tokens=60),
    )
    story = await service.story("idea", segments=2)
    assert len(fake.calls) == 2
    assert len(story.segments) == 2
    assert story.usage == Usage(prompt_tokens=55, completion_tokens=67)
    repair = fake.calls[1]["messages"]
    assert repair[: len(fake.calls[0]["messages"])] == fake.calls[0]["messages"]
    assert repair[-2] == {
        "role": "assistant",
        "content": "Sure! Here is your story: once upon a time",
    }
    assert "not valid JSON" in repair[-1]["content"]
    assert fake.calls[1]["response_format"] == fake.calls[0]["response_format"]


async def test_story_wrong_segment_count_is_repaired(container: Container) -> None:
    service, fake = writing(container, completion(simple_story(2)), completion(simple_story(3)))
    story = await service.story("idea", segments=3)
    assert len(story.segments) == 3
    assert "segments must hold exactly 3 items, got 2" in fake.user_text(1)


async def test_story_missing_field_is_repaired_with_the_field_named(container: Container) -> None:
    broken = simple_story(1)
    del broken["segments"][0]["visual_prompt"]
    service, fake = writing(container, completion(broken), completion(simple_story(1)))
    await service.story("idea", segments=1)
    assert "segments.0.visual_prompt: Field required" in fake.user_text(1)


async def test_story_code_fenced_json_is_accepted(container: Container) -> None:
    fenced = "```json\n" + json.dumps(simple_story(1)) + "\n```"
    service, fake = writing(container, completion(fenced))
    story = await service.story("idea", segments=1)
    assert len(fake.calls) == 1
    assert story.segments[0].index == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"idea": ""}, "idea is empty"),
        ({"idea": "   \n\t"}, "idea is empty"),
        ({"idea": "x" * 4001}, "the limit is 4000"),
        ({"idea": "ok", "segments": 0}, "segments must be a whole number from 1 to 20, got 0"),
        ({"idea": "ok", "segments": 21}, "from 1 to 20, got 21"),
        ({"idea": "ok", "segments": True}, "from 1 to 20"),
        ({"idea": "ok", "duration_seconds": 5}, "duration_seconds must be 4, 6 or 8"),
    ],
)
async def test_story_bad_input_is_an_input_error_before_any_call(
    container: Container, kwargs: dict[str, Any], message: str
) -> None:
    service, fake = writing(container)
    with pytest.raises(InputError, match=message) as caught:
        await service.story(**kwargs)
    assert "\n" not in str(caught.value)
    assert fake.calls == []


async def test_meme_schema_prompt_and_result(container: Container) -> None:
    reply = {
        "top_text": "When the build passes",
        "bottom_text": "On the first try",
        "image_prompt": "A surprised cat at a laptop",
        "caption": "It happens once a year.",
        "hashtags": ["coding", "#dev life", "#coding"],
    }
    service, fake = writing(container, completion(reply))
    meme = await service.meme("builds that pass", style="pixel art")
    assert_flat(sent_schema(fake))
    assert fake.calls[0]["response_format"]["json_schema"]["name"] == "meme"
    assert "builds that pass" in fake.user_text()
    assert meme.top_text == "When the build passes"
    assert meme.hashtags == ["#coding", "#devlife"]
    assert meme.image_prompt == "A surprised cat at a laptop. Style: pixel art."
    assert meme.usage == Usage(prompt_tokens=11, completion_tokens=7)


CONTENT_REPLIES: dict[str, dict[str, Any]] = {
    "post": {"title": "Sleep", "text": "Go to bed.", "hashtags": ["#sleep"]},
    "thread": {"title": "Sleep", "posts": ["1/ Dark room.", "2/ No screens."]},
    "script": {
        "title": "Sleep",
        "hook": "You sleep wrong.",
        "scenes": [{"visual": "A bed.", "voiceover": "Start here."}],
        "call_to_action": "Follow for more.",
    },
    "caption": {"text": "Good night.", "hashtags": ["#night"]},
}


@pytest.mark.parametrize("fmt", sorted(CONTENT_REPLIES))
async def test_content_each_format_has_its_fields(container: Container, fmt: str) -> None:
    service, fake = writing(container, completion(CONTENT_REPLIES[fmt]))
    result = await service.content("how to sleep better", format=fmt)
    schema = sent_schema(fake)
    assert_flat(schema)
    assert sorted(schema["properties"]) == sorted(CONTENT_REPLIES[fmt])
    assert fake.calls[0]["response_format"]["json_schema"]["name"] == fmt
    assert "how to sleep better" in fake.user_text()
    dumped = result.model_dump()
    assert dumped["format"] == fmt
    assert {k: v for k, v in dumped.items() if k not in ("format", "usage")} == CONTENT_REPLIES[fmt]


async def test_content_thread_post_over_the_limit_is_repaired(container: Container) -> None:
    long_thread = {"title": "Sleep", "posts": ["x" * 281, "short"]}
    service, fake = writing(
        container, completion(long_thread), completion(CONTENT_REPLIES["thread"])
    )
    result = await service.content("sleep", format="thread")
    assert isinstance(result, ThreadContent)
    assert all(len(post) <= 280 for post in result.posts)
    assert "at most 280 characters" in fake.user_text(1)


async def test_content_unknown_format_is_an_input_error(container: Container) -> None:
    service, fake = writing(container)
    with pytest.raises(InputError, match="unknown format 'tweet'; choose one of post, thread"):
        await service.content("hello", format="tweet")
    assert fake.calls == []


async def test_trending_ideas_count_prompt_and_result(container: Container) -> None:
    idea = {
        "title": "Budget meal prep",
        "hook": "5 meals, 20 euros",
        "why_now": "x",
        "format": "short video",
    }
    service, fake = writing(container, completion({"ideas": [idea] * 4}))
    ideas = await service.trending_ideas("home cooking", count=4)
    schema = sent_schema(fake)
    assert_flat(schema)
    assert (
        schema["properties"]["ideas"]["minItems"],
        schema["properties"]["ideas"]["maxItems"],
    ) == (4, 4)
    prompt = fake.user_text()
    assert "home cooking" in prompt
    assert "exactly 4 ideas" in prompt
    assert "cannot browse the web" in prompt
    assert ideas.niche == "home cooking"
    assert [i.title for i in ideas.ideas] == ["Budget meal prep"] * 4


@pytest.mark.parametrize("count", [0, 21])
async def test_trending_ideas_count_out_of_range(container: Container, count: int) -> None:
    service, _ = writing(container)
    with pytest.raises(InputError, match="count must be a whole number from 1 to 20"):
        await service.trending_ideas("cooking", count=count)


async def test_characters_sends_images_to_the_vision_model(
    container: Container, offline_settings: Settings, tmp_path: Path
) -> None:
    image = tmp_path / "hero.png"
    image.write_bytes(PNG)
    profile = {
        "name_hint": "the hero",
        "appearance": "young, dark curls",
        "clothing": "red scarf",
        "distinctive_features": "a scar on the chin",
        "visual_description": "a young man with dark curls, a red scarf and a scar on his chin",
    }
    service, fake = writing(container, completion({"characters": [profile]}))
    analysis = await service.characters([image, "https://example.com/ref.jpg"])
    call = fake.calls[0]
    assert call["model"] == offline_settings.openrouter.vision_model
    parts = call["messages"][-1]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert urls[0].startswith("data:image/png;base64,")
    assert urls[1] == "https://example.com/ref.jpg"
    assert "2 images" in fake.user_text()
    assert_flat(sent_schema(fake))
    assert analysis.characters[0].visual_description == profile["visual_description"]
    assert analysis.characters[0].to_character().name == "the hero"
