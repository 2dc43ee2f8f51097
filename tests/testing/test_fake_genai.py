"""RecordingGenai: real google.genai types with small media, recorded calls, queued failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from google.genai import types

from storyreel.services.google.files import image_size, is_mp4
from storyreel.testing.fake_genai import RecordingGenai


async def test_fake_genai_video_is_done_after_the_polls(tmp_path: Path) -> None:
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


async def test_fake_genai_image_has_the_asked_ratio() -> None:
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


async def test_fake_genai_fail_raises_then_recovers() -> None:
    fake = RecordingGenai().fail("generate_content", TimeoutError("slow"))
    with pytest.raises(TimeoutError):
        await fake.aio.models.generate_content(model="m", contents="x")
    text = await fake.aio.models.generate_content(model="m", contents="x")
    assert text.text
    with pytest.raises(TypeError, match="contentz"):
        await fake.aio.models.generate_content(model="m", contentz="x")
