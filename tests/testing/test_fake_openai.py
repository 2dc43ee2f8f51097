"""RecordingOpenAI: real ChatCompletion objects, recorded calls, the SDK's own signature."""

from __future__ import annotations

import json

import pytest
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from storyreel.testing.fake_openai import RecordingOpenAI


class Pet(BaseModel):
    name: str
    legs: int


def schema_format() -> dict[str, object]:
    return {
        "type": "json_schema",
        "json_schema": {"name": "pet", "schema": Pet.model_json_schema(), "strict": True},
    }


async def test_fake_openai_fills_the_requested_schema() -> None:
    fake = RecordingOpenAI()
    completion = await fake.chat.completions.create(
        model="m", messages=[{"role": "user", "content": "a cat"}], response_format=schema_format()
    )
    assert isinstance(completion, ChatCompletion)
    Pet.model_validate_json(completion.choices[0].message.content or "")
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0
    assert fake.calls == [
        {
            "model": "m",
            "messages": [{"role": "user", "content": "a cat"}],
            "response_format": schema_format(),
        }
    ]


async def test_fake_openai_replies_in_order_then_raises() -> None:
    fake = RecordingOpenAI("plain text", {"name": "Rex", "legs": 4}, RuntimeError("down"))
    messages = [{"role": "user", "content": "hi"}]
    first = await fake.chat.completions.create(model="m", messages=messages)
    second = await fake.chat.completions.create(model="m", messages=messages)
    assert first.choices[0].message.content == "plain text"
    assert json.loads(second.choices[0].message.content or "") == {"name": "Rex", "legs": 4}
    with pytest.raises(RuntimeError, match="down"):
        await fake.chat.completions.create(model="m", messages=messages)
    assert len(fake.calls) == 3


async def test_fake_openai_refuses_what_the_sdk_refuses() -> None:
    fake = RecordingOpenAI()
    with pytest.raises(TypeError, match="respons_format"):
        await fake.chat.completions.create(model="m", messages=[], respons_format={})
    with pytest.raises(ValueError, match="stream"):
        await fake.chat.completions.create(model="m", messages=[], stream=True)
    assert fake.calls == []
