"""Caption cues: phrases, line lengths, timing inside the voice span, SRT and VTT files."""

from __future__ import annotations

import itertools
from pathlib import Path

import pysubs2
import pytest

from storyreel.services.reel.captions import (
    MAX_CHARS,
    Cue,
    phrases,
    segment_cues,
    wrap_balanced,
    write_captions,
)
from storyreel.services.reel.overlay import caption_layout, render_caption

LONG = (
    "Every night he climbs the hundred and twelve stairs of the old tower, lights the great "
    "lamp, and writes the weather in his book. Then he waits for morning!"
)


def test_reel_captions_cut_at_sentence_ends_and_fit_two_lines() -> None:
    groups = phrases(LONG, max_chars=MAX_CHARS)
    assert " ".join(" ".join(group) for group in groups) == " ".join(LONG.split())
    assert any(group[-1] == "book." for group in groups)
    assert groups[-1] == ["Then", "he", "waits", "for", "morning!"]
    for group in groups:
        lines = wrap_balanced(group, MAX_CHARS)
        assert 1 <= len(lines) <= 2
        assert all(len(line) <= MAX_CHARS for line in lines)


def test_reel_captions_cut_a_sentence_too_long_for_one_cue_between_words() -> None:
    sentence = " ".join(["word"] * 40) + "."
    groups = phrases(sentence, max_chars=20)
    assert len(groups) > 1
    for group in groups:
        assert len(wrap_balanced(group, 20)) <= 2


def test_reel_captions_balance_their_two_lines() -> None:
    short = ["one", "two", "three", "four", "five", "six", "seven", "eight"]
    assert wrap_balanced(short, 42) == ["one two three four five six seven eight"]
    lines = wrap_balanced(
        ["aaaa", "bbbb", "cccc", "dddd", "eeee", "ffff", "gggg", "hhhh", "iiii", "jjjj"], 30
    )
    assert len(lines) == 2
    assert abs(len(lines[0]) - len(lines[1])) <= 5


def test_reel_caption_cues_share_the_voice_span_by_word_length() -> None:
    cues = segment_cues(3, "Hi, extraordinarily long words.", 10.0, 14.0, max_chars=12)
    assert [cue.segment for cue in cues] == [3] * len(cues)
    assert cues[0].start_s == pytest.approx(10.0)
    assert cues[-1].end_s == pytest.approx(14.0)
    for before, after in itertools.pairwise(cues):
        assert before.end_s == pytest.approx(after.start_s)
    # A word longer than a line is never cut; it gets a line of its own.
    assert cues[0].lines == ("Hi,", "extraordinarily")
    assert cues[1].lines == ("long words.",)
    # Weights are letters plus one: the first cue holds 4 + 16 of 32, that share of 4 s.
    assert cues[0].end_s - cues[0].start_s == pytest.approx(4.0 * 20 / 32)


def test_reel_caption_files_are_srt_and_webvtt_inside_their_spans(tmp_path: Path) -> None:
    cues = [
        Cue(0, 0.1504, 1.2, ("First line", "second line")),
        Cue(1, 2.0, 3.4996, ("Next",)),
    ]
    srt, vtt = write_captions(cues, tmp_path / "reel.mp4")
    assert (srt.name, vtt.name) == ("reel.srt", "reel.vtt")
    parsed = pysubs2.load(str(srt))
    assert [(e.start, e.end, e.plaintext) for e in parsed] == [
        (151, 1200, "First line\nsecond line"),
        (2000, 3499, "Next"),
    ]
    text = vtt.read_text(encoding="utf-8")
    assert text.startswith("WEBVTT")
    assert "00:00:00.151 --> 00:00:01.200" in text


def test_reel_caption_band_sits_in_the_safe_area_of_vertical_video() -> None:
    layout = caption_layout(720, 1280)
    assert layout.band_top + layout.band_height <= 0.8 * 1280
    assert layout.right <= 0.85 * 720
    assert layout.font_size >= 40
    assert layout.max_chars <= MAX_CHARS
    band = render_caption(["A storm arrives, and", "it speaks to him softly."], layout)
    assert len(band) == 720 * layout.band_height * 4
    alphas = band[3::4]
    # Transparent outside the caption box, opaque-ish text and box inside it.
    assert alphas[0] == 0
    assert max(alphas) == 255
