"""The recording fakes: real SDK response types, recorded calls, the SDKs' own signatures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from google.genai import types
from openai.types.chat import ChatCompletion
from pydantic import BaseModel

from storyreel.services.media_files import image_size, is_mp4, mp4_duration
from storyreel.testing_fakes import RecordingGenai, RecordingOpenAI, tiny_mp4


class Pet(BaseModel):
    name: str
    legs: int


def schema_format() -> dict[str, object]:
    return {
        "type": "json_schema",
        "json_schema": {"name": "pet", "schema": Pet.model_json_schema(), "strict": True},
    }


async def test_testing_fakes_openai_fills_the_requested_schema() -> None:
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


async def test_testing_fakes_openai_replies_in_order_then_raises() -> None:
    fake = RecordingOpenAI("plain text", {"name": "Rex", "legs": 4}, RuntimeError("down"))
    messages = [{"role": "user", "content": "hi"}]
    first = await fake.chat.completions.create(model="m", messages=messages)
    second = await fake.chat.completions.create(model="m", messages=messages)
    assert first.choices[0].message.content == "plain text"
    assert json.loads(second.choices[0].message.content or "") == {"name": "Rex", "legs": 4}
    with pytest.raises(RuntimeError, match="down"):
        await fake.chat.completions.create(model="m", messages=messages)
    assert len(fake.calls) == 3


async def test_testing_fakes_openai_refuses_what_the_sdk_refuses() -> None:
    fake = RecordingOpenAI()
    with pytest.raises(TypeError, match="respons_format"):
        await fake.chat.completions.create(model="m", messages=[], respons_format={})
    with pytest.raises(ValueError, match="stream"):
        await fake.chat.completions.create(model="m", messages=[], stream=True)
    assert fake.calls == []


async def test_testing_fakes_genai_video_is_done_after_the_polls(tmp_path: Path) -> None:
    fake = RecordingGenai(polls=2)
    submitted = await fake.aio.models.generate_videos(
        model="veo",
        source=types.GenerateVideosSource(prompt="a kite"),
        config=types.GenerateVideosConfig(duration_seconds=4, aspect_ratio="9:16"),
    )
    first = await fake.aio.operations.get(submitted)
    second = await fake.aio.operations.get(submitted)
    assert not first.done
    assert second.done
    assert second.response is not None
    video = second.response.generated_videos[0].video  # type: ignore[index]
    assert video is not None
    assert is_mp4(video.video_bytes or b"")
    assert fake.video_submissions == 1
    assert [call.method for call in fake.calls] == [
        "generate_videos",
        "operations.get",
        "operations.get",
    ]


async def test_testing_fakes_genai_image_has_the_asked_ratio() -> None:
    fake = RecordingGenai()
    response = await fake.aio.models.generate_content(
        model="img",
        contents="a lighthouse",
        config=types.GenerateContentConfig(
            response_modalities=["IMAGE"], image_config=types.ImageConfig(aspect_ratio="16:9")
        ),
    )
    part = response.candidates[0].content.parts[0]  # type: ignore[index, union-attr]
    assert part.inline_data is not None
    width, height = image_size(part.inline_data.data or b"")
    assert width > height
    assert fake.calls_of("generate_content")[0].kwargs["contents"] == "a lighthouse"


async def test_testing_fakes_genai_fail_raises_then_recovers() -> None:
    fake = RecordingGenai().fail("generate_content", TimeoutError("slow"))
    with pytest.raises(TimeoutError):
        await fake.aio.models.generate_content(model="m", contents="x")
    text = await fake.aio.models.generate_content(model="m", contents="x")
    assert text.text
    with pytest.raises(TypeError, match="contentz"):
        await fake.aio.models.generate_content(model="m", contentz="x")


def test_testing_fakes_tiny_mp4_plays_for_its_duration(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(tiny_mp4(6, "16:9"))
    duration = mp4_duration(clip)
    assert duration is not None
    assert abs(duration - 6) < 0.6
