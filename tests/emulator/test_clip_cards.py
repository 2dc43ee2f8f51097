"""What emulated clips show and sound like: the segment's narration on the title card (the
emulator wrote the story, so it knows it), and an AAC sound bed when Veo audio is asked for."""

from __future__ import annotations

import array
import io
import math
import time
from collections.abc import AsyncIterator
from pathlib import Path

import av
import httpx2
import pytest
from google import genai
from google.genai import types

from storyreel.containers import aclose_container, create_container
from storyreel.domain.shots import clip_prompt
from storyreel.domain.story import Story
from storyreel.emulator import EmulatorOptions, EmulatorServer, stored_operations
from storyreel.emulator.audio_bed import LEVEL_DBFS
from storyreel.emulator.video import ClipSpec, card_text, make_mp4
from storyreel.settings import load_settings

from .support import project_client

MODEL = "veo-3.1-fast-generate-001"


def _client(server: EmulatorServer) -> genai.Client:
    client: genai.Client = project_client(server.url)
    return client


def _clip(client: genai.Client, prompt: str, *, audio: bool | None = None) -> bytes:
    operation = client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt=prompt),
        config=types.GenerateVideosConfig(
            duration_seconds=4, aspect_ratio="9:16", generate_audio=audio
        ),
    )
    while not operation.done:
        time.sleep(0.05)
        operation = client.operations.get(operation)
    assert operation.response is not None
    assert operation.response.generated_videos
    video = operation.response.generated_videos[0].video
    assert video is not None
    assert video.video_bytes is not None
    return video.video_bytes


async def _write_story(server: EmulatorServer, tmp_path: Path, idea: str) -> Story:
    settings = load_settings(
        {"backend": "offline", "output_dir": str(tmp_path), "emulator": {"url": server.url}},
        env={},
        dotenv=None,
    )
    container = create_container(settings)
    try:
        written = await container.writing_service().story(idea, segments=3, style="watercolour")
    finally:
        await aclose_container(container)
    return written.to_story()


def _card(server: EmulatorServer, prompt: str) -> str:
    narration = server.state.narrations.narration_for(prompt)
    return card_text(ClipSpec(prompt, card=narration))


@pytest.fixture
async def stateful(tmp_path: Path) -> AsyncIterator[EmulatorServer]:
    options = EmulatorOptions(video_latency_s=0, state_dir=tmp_path / "state")
    with EmulatorServer(options) as server:
        yield server


async def test_title_cards_show_the_narration_of_the_segment(
    stateful: EmulatorServer, tmp_path: Path
) -> None:
    story = await _write_story(stateful, tmp_path, "a paper boat in the rain")
    for segment in story.segments:
        # What Veo is sent carries the style and the characters' looks after what the
        # emulator wrote as the visual prompt.
        prompt = clip_prompt(story, segment)
        assert "watercolour" in prompt
        assert _card(stateful, prompt) == segment.narration

    # Submitted through the real SDK, the operation's clips carry that card.
    client = _client(stateful)
    segment = story.segments[1]
    client.models.generate_videos(
        model=MODEL,
        source=types.GenerateVideosSource(prompt=clip_prompt(story, segment)),
        config=types.GenerateVideosConfig(duration_seconds=4),
    )
    (name,) = stored_operations(tmp_path / "state")
    operation = stateful.state.operations.get(name)
    assert operation is not None
    assert [clip.card for clip in operation.clips] == [segment.narration]


async def test_a_later_emulator_remembers_the_narrations(
    stateful: EmulatorServer, tmp_path: Path
) -> None:
    story = await _write_story(stateful, tmp_path, "an interrupted kite")
    stateful.stop()
    options = EmulatorOptions(state_dir=tmp_path / "state")
    with EmulatorServer(options) as later:
        prompt = clip_prompt(story, story.segments[2])
        assert _card(later, prompt) == story.segments[2].narration


def test_an_unknown_prompt_falls_back_to_the_prompt(server: EmulatorServer) -> None:
    assert _card(server, "A fox crosses a frozen lake.") == "A fox crosses a frozen lake."
    assert card_text(ClipSpec("the prompt", card="  ")) == "the prompt"


def test_the_card_text_changes_the_picture() -> None:
    plain = make_mp4(ClipSpec("a long visual prompt about a kite", (9, 16), 1))
    narrated = make_mp4(ClipSpec("a long visual prompt about a kite", (9, 16), 1, card="Up!"))
    assert plain != narrated


def _audio_level_dbfs(data: bytes) -> tuple[float, float]:
    """RMS level and duration of the first audio stream, decoded."""
    total, count = 0.0, 0
    with av.open(io.BytesIO(data), mode="r") as container:
        for frame in container.decode(audio=0):
            samples = array.array("f", bytes(frame.planes[0])[: frame.samples * 4])
            total += sum(value * value for value in samples)
            count += frame.samples
        rate = container.streams.audio[0].rate
    return 10 * math.log10(total / count), count / rate


def test_generate_audio_adds_a_quiet_aac_track(server: EmulatorServer) -> None:
    client = _client(server)
    with_audio = _clip(client, "waves on a pebble beach", audio=True)
    silent = _clip(client, "waves on a pebble beach")

    with av.open(io.BytesIO(with_audio), mode="r") as container:
        kinds = [(stream.type, stream.codec_context.name) for stream in container.streams]
    assert kinds == [("video", "h264"), ("audio", "aac")]
    level, seconds = _audio_level_dbfs(with_audio)
    assert abs(level - LEVEL_DBFS) < 1.5
    assert abs(seconds - 4) < 0.1
    with av.open(io.BytesIO(silent), mode="r") as container:
        assert [stream.type for stream in container.streams] == ["video"]


def test_generate_audio_must_be_a_boolean(server: EmulatorServer) -> None:
    response = httpx2.post(
        f"{server.url}/v1/projects/p/locations/us-central1/publishers/google/models/{MODEL}"
        ":predictLongRunning",
        headers={"authorization": "Bearer t"},
        json={"instances": [{"prompt": "x"}], "parameters": {"generateAudio": "loud"}},
    )
    assert response.status_code == 400
    assert "generateAudio" in response.json()["error"]["message"]
