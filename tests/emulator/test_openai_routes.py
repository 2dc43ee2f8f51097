"""The OpenAI-compatible routes, driven by the real openai SDK over loopback."""

from __future__ import annotations

import base64
import io
import json
from typing import Any, Literal

import httpx2
import openai
import pytest
from PIL import Image
from pydantic import BaseModel, Field

from storyreel.emulator import EmulatorServer

PROMPT = "Write a story about a lighthouse keeper who befriends a storm"


class Segment(BaseModel):
    title: str = Field(max_length=60)
    narration: str
    visual_prompt: str = Field(min_length=20)
    duration_seconds: int = Field(ge=4, le=8)
    camera: Literal["static", "pan", "dolly"]


class Story(BaseModel):
    title: str
    segments: list[Segment] = Field(min_length=2, max_length=5)
    hashtags: list[str]
    moral: str | None = None


def _ask(client: openai.OpenAI, content: object, **extra: Any) -> Any:
    messages: Any = [{"role": "user", "content": content}]
    return client.chat.completions.create(model="openai/gpt-4o-mini", messages=messages, **extra)


def test_chat_plain_reply_is_about_the_prompt(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.create(
        model="anthropic/claude-sonnet-4.5",
        messages=[
            {"role": "system", "content": "You are a screenwriter."},
            {"role": "user", "content": PROMPT},
        ],
    )
    content = completion.choices[0].message.content or ""
    assert completion.model == "anthropic/claude-sonnet-4.5"
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.choices[0].finish_reason == "stop"
    assert {"lighthouse", "keeper", "storm"} & set(content.lower().replace(".", " ").split())
    usage = completion.usage
    assert usage is not None
    assert usage.prompt_tokens > 0
    assert usage.completion_tokens > 0
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens


def test_chat_openrouter_path_works_too(server: EmulatorServer) -> None:
    client = openai.OpenAI(base_url=server.url + "/api/v1", api_key="test", max_retries=0)
    completion = _ask(client, "hello from openrouter")
    assert completion.choices[0].message.content


def test_chat_structured_output_validates_against_the_pydantic_model(
    openai_client: openai.OpenAI,
) -> None:
    schema = Story.model_json_schema()
    completion = _ask(
        openai_client,
        PROMPT,
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "story", "schema": schema, "strict": True},
        },
    )
    story = Story.model_validate_json(completion.choices[0].message.content)
    assert 2 <= len(story.segments) <= 5
    words = {"lighthouse", "keeper", "storm", "befriends"}
    for segment in story.segments:
        assert segment.visual_prompt != "string"
        assert words & set(segment.visual_prompt.lower().replace(",", " ").split())
    assert story.title
    assert story.title[0].isupper()


def test_chat_parse_helper_gets_a_parsed_model(openai_client: openai.OpenAI) -> None:
    completion = openai_client.chat.completions.parse(
        model="m", messages=[{"role": "user", "content": PROMPT}], response_format=Story
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Story)
    assert parsed.segments


def test_chat_json_object_uses_the_keys_the_instructions_quote(
    openai_client: openai.OpenAI,
) -> None:
    completion = _ask(
        openai_client,
        'Return JSON with keys "caption" and "hashtags" for a meme about cats.',
        response_format={"type": "json_object"},
    )
    document = json.loads(completion.choices[0].message.content)
    assert set(document) == {"caption", "hashtags"}


def test_chat_stream_yields_the_same_text_and_usage(openai_client: openai.OpenAI) -> None:
    whole = _ask(openai_client, PROMPT).choices[0].message.content
    chunks = list(
        openai_client.chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == whole
    assert len(chunks) > 3
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0


async def test_chat_async_client(server: EmulatorServer) -> None:
    async with openai.AsyncOpenAI(base_url=server.url + "/v1", api_key="k") as client:
        completion = await client.chat.completions.create(
            model="m", messages=[{"role": "user", "content": "async lanterns"}]
        )
    assert "lantern" in (completion.choices[0].message.content or "").lower()


def test_chat_vision_parts_are_read_not_fetched(openai_client: openai.OpenAI) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (200, 30, 30)).save(buffer, format="PNG")
    data_url = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
    completion = _ask(
        openai_client,
        [
            {"type": "text", "text": "Describe this character"},
            {"type": "image_url", "image_url": {"url": data_url}},
            {"type": "image_url", "image_url": {"url": "https://example.com/hero.jpg"}},
        ],
    )
    content = completion.choices[0].message.content
    assert "48×32 PNG" in content
    assert "hero.jpg" in content
    assert completion.usage.prompt_tokens > 2 * 85


def test_chat_same_request_same_content(openai_client: openai.OpenAI) -> None:
    first = _ask(openai_client, PROMPT).choices[0].message.content
    second = _ask(openai_client, PROMPT).choices[0].message.content
    other = _ask(openai_client, "a desert caravan").choices[0].message.content
    assert first == second
    assert first != other


def test_chat_n_choices_differ(openai_client: openai.OpenAI) -> None:
    completion = _ask(openai_client, PROMPT, n=3)
    contents = [choice.message.content for choice in completion.choices]
    assert len(set(contents)) == 3


def test_models_lists_ids(openai_client: openai.OpenAI) -> None:
    ids = [model.id for model in openai_client.models.list()]
    assert "openai/gpt-4o-mini" in ids
    assert len(ids) >= 3


def test_missing_bearer_is_401_with_openrouter_error_shape(server: EmulatorServer) -> None:
    response = httpx2.post(
        server.url + "/v1/chat/completions",
        json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
    )
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == 401
    assert error["message"]
    assert httpx2.get(server.url + "/api/v1/models").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {"model": "m", "messages": []},
        {"messages": [{"role": "user", "content": "x"}]},
        {"model": "m", "messages": [{"content": "no role"}]},
        {"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {}},
    ],
)
def test_invalid_chat_requests_get_400(
    openai_client: openai.OpenAI, body: dict[str, object]
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.post("/chat/completions", body=body, cast_to=object)
    assert caught.value.status_code == 400
