"""Bad inputs fail early, in one line that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from reel_media import make_clip, make_music, make_voice

from storyreel.domain.reel import ReelPlan, ReelSegment
from storyreel.errors import InputError
from storyreel.services.reel import ReelAssembler, check_music, check_output, check_plan


def _one_line(error: pytest.ExceptionInfo[InputError]) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert "Traceback" not in message
    return message


def test_reel_music_that_is_not_audio_is_refused_before_assembling(media: Path) -> None:
    music = media / "music.mp3"
    music.write_text("these are the lyrics, not the song\n", encoding="utf-8")
    with pytest.raises(InputError) as error:
        check_music(music)
    message = _one_line(error)
    assert str(music) in message
    assert "audio" in message
    clip = make_clip(media / "clip.mp4", seconds=1.0, sound=False)
    plan = ReelPlan((ReelSegment(0, "Hello.", 1.0, clip),), 180, 320, music=music)
    dest = media / "out" / "reel.mp4"
    with pytest.raises(InputError):
        ReelAssembler().assemble(plan, dest)
    assert not dest.exists()


def test_reel_music_that_is_missing_or_a_video_without_sound_is_refused(media: Path) -> None:
    with pytest.raises(InputError) as error:
        check_music(media / "nowhere.mp3")
    assert "does not exist" in _one_line(error)
    silent = make_clip(media / "silent.mp4", seconds=1.0, sound=False)
    with pytest.raises(InputError) as error:
        ReelAssembler().check_music(silent)
    assert "no sound" in _one_line(error)


def test_reel_music_of_a_common_format_is_accepted(media: Path) -> None:
    assert check_music(make_music(media / "music.mp3", seconds=2.0)) == pytest.approx(2.0, abs=0.1)
    assert check_music(make_voice(media / "voice.wav", 3)) > 1.0


def test_reel_clip_that_is_not_a_video_is_refused(media: Path) -> None:
    voice = make_voice(media / "voice.wav", 2)
    plan = ReelPlan((ReelSegment(0, "Hello.", 4.0, clip=voice),), 180, 320)
    with pytest.raises(InputError) as error:
        check_plan(plan)
    assert "is not a video" in _one_line(error)
    text = media / "clip.mp4"
    text.write_bytes(b"\x00not an mp4 at all")
    with pytest.raises(InputError):
        check_plan(ReelPlan((ReelSegment(0, "Hello.", 4.0, clip=text),), 180, 320))


def test_reel_missing_voice_and_odd_sizes_are_refused(media: Path) -> None:
    plan = ReelPlan((ReelSegment(0, "Hi.", 2.0, voice=media / "gone.wav"),), 180, 320)
    with pytest.raises(InputError) as error:
        check_plan(plan)
    assert "narration of segment 0" in _one_line(error)
    with pytest.raises(InputError):
        check_plan(ReelPlan((ReelSegment(0, "Hi.", 2.0),), 181, 320))


def test_reel_output_that_cannot_be_written_is_refused(media: Path) -> None:
    blocker = media / "file"
    blocker.write_text("in the way", encoding="utf-8")
    with pytest.raises(InputError) as error:
        check_output(blocker / "reel.mp4")
    assert "choose a folder you can write to" in _one_line(error)
    with pytest.raises(InputError):
        check_output(media)
    check_output(media / "new" / "reel.mp4")
    assert list((media / "new").iterdir()) == []
