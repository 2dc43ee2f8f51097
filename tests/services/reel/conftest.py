"""Reels assembled once per session from media made here, and shared by the reel tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from reel_media import (
    CARD_S,
    CLIP_S,
    FPS,
    NARRATION,
    SIZE,
    WORDS,
    Reels,
    make_clip,
    make_music,
    make_voice,
)

from storyreel.domain.reel import ReelPlan, ReelSegment
from storyreel.services.reel import ReelAssembler


@pytest.fixture(scope="session")
def reels(tmp_path_factory: pytest.TempPathFactory) -> Reels:
    folder = tmp_path_factory.mktemp("reel-media")
    sound = make_clip(folder / "sound.mp4", seconds=CLIP_S, size=SIZE, fps=FPS)
    silent = make_clip(folder / "silent.mp4", seconds=CLIP_S, size=SIZE, fps=FPS, sound=False)
    square = make_clip(folder / "square.mp4", seconds=CLIP_S, size=(240, 240), sound=False)
    voices = [
        make_voice(folder / f"segment-{i:02d}.wav", words, seed=i) for i, words in enumerate(WORDS)
    ]
    music = make_music(folder / "music.mp3", seconds=3.0)
    segments = (
        ReelSegment(0, NARRATION[0], CLIP_S, sound, voices[0]),
        ReelSegment(1, NARRATION[1], CLIP_S, square, voices[1]),
        ReelSegment(2, NARRATION[2], CARD_S, None, voices[2]),
    )
    full_plan = ReelPlan(segments, *SIZE, fps=FPS, music=music)
    assembler = ReelAssembler(preset="ultrafast")
    full = assembler.assemble(full_plan, folder / "full" / "reel.mp4")
    plain = assembler.assemble(
        replace(full_plan, burn_captions=False), folder / "plain" / "reel.mp4"
    )
    voice_plan = ReelPlan(
        (replace(segments[0], clip=silent), *segments[1:]),
        *SIZE,
        fps=FPS,
        transition_s=0.5,
        captions=False,
        burn_captions=False,
    )
    voice = assembler.assemble(voice_plan, folder / "voice" / "reel.mp4")
    return Reels(full_plan=full_plan, full=full, plain=plain, voice_plan=voice_plan, voice=voice)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    """A folder for media a single test makes."""
    folder = tmp_path / "media"
    folder.mkdir()
    return folder
