"""The assembled reel, checked with real decoders: streams, timing, narration, captions,
loudness, title cards, held frames and the MP4's layout."""

from __future__ import annotations

import itertools
import os
import stat
from pathlib import Path

import av
import pysubs2
import pytest
from PIL import Image, ImageChops
from reel_media import (
    CARD_S,
    CLIP_S,
    FPS,
    GAP_S,
    SIZE,
    WORD_S,
    WORDS,
    Reels,
    decode_mono,
    ebur128,
    rms_db,
    top_level_boxes,
    video_frames,
    voice_seconds,
)

from storyreel.domain.reel import ReelPlan, ReelSegment
from storyreel.services.reel import ReelAssembler
from storyreel.services.reel.captions import MAX_CHARS
from storyreel.services.reel.overlay import caption_layout

FRAME_S = 1 / FPS


def test_reel_has_one_video_and_one_audio_stream_and_decodes(reels: Reels) -> None:
    with av.open(str(reels.full.path)) as container:
        assert [s.type for s in container.streams] == ["video", "audio"]
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert video.codec_context.name == "h264"
        assert video.codec_context.pix_fmt == "yuv420p"
        assert (video.codec_context.width, video.codec_context.height) == SIZE
        assert video.average_rate == FPS
        assert audio.codec_context.name == "aac"
        frames = sum(1 for _ in container.decode(video))
    with av.open(str(reels.full.path)) as container:
        sound_s = sum(frame.samples for frame in container.decode(audio=0)) / 48_000
    held = reels.full.extra["held_s"]
    expected = 2 * CLIP_S + CARD_S + held
    assert held > 0.5
    assert abs(frames / FPS - expected) <= FRAME_S + 1e-9
    assert abs(reels.full.duration_s - expected) <= FRAME_S + 0.03
    assert abs(sound_s - frames / FPS) <= 0.05


def test_reel_index_comes_before_the_media_data(reels: Reels) -> None:
    boxes = top_level_boxes(reels.full.path)
    assert boxes[0] == "ftyp"
    assert boxes.index("moov") < boxes.index("mdat")


def test_reel_file_mode_follows_the_umask_like_other_outputs(reels: Reels) -> None:
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(reels.full.path.stat().st_mode) == 0o666 & ~umask


def test_reel_spans_follow_the_clips_and_hold_for_long_narration(reels: Reels) -> None:
    first, second, card = reels.full.spans
    assert (first.start_s, first.end_s) == (0.0, CLIP_S)
    assert second.start_s == CLIP_S
    held = reels.full.extra["held_s"]
    assert second.end_s - second.start_s == pytest.approx(CLIP_S + held, abs=1e-3)
    assert card.end_s - card.start_s == pytest.approx(CARD_S)
    assert reels.full.narrated_segments == (0, 1, 2)
    assert reels.full.cards == (2,)
    # The long narration is sped up by at most 1.1x, and is heard to its end.
    speech_on, speech_off = voice_seconds(WORDS[1])
    assert second.voice_start_s is not None
    assert second.voice_end_s is not None
    assert second.voice_end_s - second.voice_start_s >= (speech_off - speech_on) / 1.1 - 0.02
    assert second.voice_end_s < second.end_s


def _largest_difference(a: Image.Image, b: Image.Image) -> int:
    histogram = ImageChops.difference(a, b).convert("L").histogram()
    return max(value for value, count in enumerate(histogram) if count)


def test_reel_holds_the_last_frame_while_the_narration_goes_on(reels: Reels) -> None:
    span = reels.full.spans[1]
    frames = video_frames(reels.plain.path)
    clip_end = round((span.start_s + CLIP_S) * FPS)
    playing = frames[clip_end - 12], frames[clip_end - 2]
    held = frames[clip_end + 1], frames[round(span.end_s * FPS) - 1]
    assert _largest_difference(*playing) > 40
    assert _largest_difference(*held) <= 12


def test_reel_narration_is_heard_inside_each_voice_span(reels: Reels) -> None:
    samples = decode_mono(reels.voice.path)
    spans = reels.voice.spans
    for span in spans:
        assert span.voice_start_s is not None
        assert span.voice_end_s is not None
        # Each word, not just the span as a whole, is well above silence.
        word = span.voice_start_s
        while word + WORD_S <= span.voice_end_s:
            assert rms_db(samples, word + 0.05, word + WORD_S - 0.05) > -35
            word += (WORD_S + GAP_S) / 1.1 if span.index == 1 else WORD_S + GAP_S
    # After the card's narration the reel is silent: no clip sound, no music here.
    card = spans[2]
    assert card.voice_end_s is not None
    quiet = rms_db(samples, card.voice_end_s + 0.15, card.end_s - 0.05)
    assert quiet < -60
    assert reels.voice.captions == ()


def test_reel_crossfades_overlap_the_segments(reels: Reels) -> None:
    spans = reels.voice.spans
    assert [round(b.start_s - a.end_s, 6) for a, b in itertools.pairwise(spans)] == [-0.5, -0.5]
    held = reels.voice.extra["held_s"]
    assert reels.voice.duration_s == pytest.approx(
        2 * CLIP_S + CARD_S + held - 1.0, abs=FRAME_S + 0.03
    )


def _cues(path_text: str, fmt: str) -> list[tuple[int, int, str]]:
    document = pysubs2.SSAFile.from_string(path_text, format_=fmt)
    return [(event.start, event.end, event.plaintext) for event in document]


def test_reel_captions_fall_inside_the_voice_spans(reels: Reels) -> None:
    srt, vtt = reels.full.captions
    assert (srt.name, vtt.name) == ("reel.srt", "reel.vtt")
    srt_cues = _cues(srt.read_text(encoding="utf-8"), "srt")
    assert vtt.read_text(encoding="utf-8").startswith("WEBVTT")
    assert _cues(vtt.read_text(encoding="utf-8"), "vtt") == srt_cues
    assert len(srt_cues) > len(reels.full.spans)
    words: list[str] = []
    for start_ms, end_ms, text in srt_cues:
        inside = [
            span
            for span in reels.full.spans
            if span.voice_start_s is not None
            and span.voice_end_s is not None
            and span.voice_start_s * 1000 - 1 <= start_ms < end_ms <= span.voice_end_s * 1000 + 1
        ]
        assert len(inside) == 1, (start_ms, end_ms, text)
        lines = text.split("\n")
        assert len(lines) <= 2
        assert all(len(line) <= MAX_CHARS for line in lines)
        words += text.split()
    expected = " ".join(segment.narration for segment in reels.full_plan.segments)
    assert words == expected.split()
    starts = [start for start, _, _ in srt_cues]
    assert starts == sorted(starts)


def _frame_at(frames: list[Image.Image], seconds: float) -> Image.Image:
    return frames[int(seconds * FPS)]


def test_reel_burned_captions_change_only_the_caption_area(reels: Reels) -> None:
    srt = reels.full.captions[0]
    start_ms, end_ms, _ = _cues(srt.read_text(encoding="utf-8"), "srt")[0]
    middle = (start_ms + end_ms) / 2000
    burned = _frame_at(video_frames(reels.full.path), middle)
    plain = _frame_at(video_frames(reels.plain.path), middle)
    changed = (
        ImageChops.difference(burned, plain).convert("L").point(lambda v: 255 if v > 60 else 0)
    )
    box = changed.getbbox()
    assert box is not None
    layout = caption_layout(*SIZE)
    left, top, right, bottom = box
    assert layout.band_top <= top
    assert bottom <= layout.band_top + layout.band_height
    assert layout.left - layout.padding <= left
    assert right <= layout.right + layout.padding
    # Inside the platform-safe area of vertical video: above the bottom fifth, off the right.
    assert bottom <= 0.8 * SIZE[1]
    assert right <= 0.86 * SIZE[0]
    assert changed.histogram()[255] > 200
    # Large: the text is a real share of the picture's height.
    assert layout.font_size >= 0.05 * min(SIZE)


def test_reel_loudness_is_on_target(reels: Reels) -> None:
    integrated, peak = ebur128(reels.full.path)
    assert abs(integrated - reels.full_plan.loudness_lufs) <= 1.0
    assert peak <= reels.full_plan.true_peak_db + 0.1


def test_reel_title_card_shows_its_narration_on_a_plain_background(reels: Reels) -> None:
    card = reels.full.spans[2]
    image = _frame_at(video_frames(reels.full.path), (card.start_s + card.end_s) / 2)
    grey = image.convert("L")
    histogram = grey.histogram()
    background = max(range(256), key=histogram.__getitem__)
    assert background < 60
    near = sum(histogram[max(0, background - 6) : background + 7])
    assert near > 0.8 * SIZE[0] * SIZE[1]
    assert sum(histogram[200:]) > 50  # light text


def test_reel_music_loops_to_the_reel_length(reels: Reels, media: Path) -> None:
    music = reels.full_plan.music
    assert music is not None
    plan = ReelPlan((ReelSegment(0, "Music only.", 7.0),), *SIZE, fps=12, music=music)
    result = ReelAssembler(preset="ultrafast").assemble(plan, media / "reel.mp4")
    samples = decode_mono(result.path)
    # The music file lasts 3 s: every second of the 7 s reel still carries it.
    levels = [rms_db(samples, second + 0.1, second + 0.9) for second in range(6)]
    assert min(levels) > -30, levels
    assert result.narrated_segments == ()
    assert result.captions == ()
