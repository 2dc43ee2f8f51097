"""Where segments land in the reel: clip lengths, held frames, narration tempo, crossfades."""

from __future__ import annotations

import pytest

from storyreel.services.reel.timeline import Narration, lay_out


def test_reel_timeline_places_clips_end_to_end() -> None:
    layout = lay_out([0, 1], [4.0, 6.0], [Narration(0.1, 3.0), None], fps=24)
    first, second = layout.slots
    assert (first.start_frame, first.frames, second.start_frame, second.frames) == (0, 96, 96, 144)
    assert layout.total_frames == 240
    assert first.tempo == 1.0
    assert first.voice_on_s == pytest.approx(0.1)
    assert first.voice_off_s == pytest.approx(3.0)
    assert second.voice_on_s is None


def test_reel_timeline_speeds_up_a_little_then_holds_the_last_frame() -> None:
    slightly = lay_out([0], [4.0], [Narration(0.0, 4.0)], fps=24, tail_s=0.25)
    assert slightly.slots[0].held_frames == 0
    assert slightly.slots[0].tempo == pytest.approx(4.0 / 3.75)
    much = lay_out([0], [4.0], [Narration(0.0, 6.0)], fps=24, tail_s=0.25)
    slot = much.slots[0]
    assert slot.tempo == pytest.approx(1.1)
    assert slot.voice_off_s == pytest.approx(6.0 / 1.1)
    # Held until the sped-up speech and its breath are over.
    assert slot.frames / 24 >= 6.0 / 1.1 + 0.25
    assert slot.held_frames > 0


def test_reel_timeline_never_speeds_up_when_told_not_to() -> None:
    layout = lay_out([0], [4.0], [Narration(0.0, 6.0)], fps=24, max_tempo=1.0)
    assert layout.slots[0].tempo == 1.0
    assert layout.slots[0].voice_off_s == pytest.approx(6.0)


def test_reel_timeline_crossfades_overlap_and_keep_speech_clear_of_them() -> None:
    layout = lay_out(
        [0, 1, 2], [4.0, 4.0, 4.0], [Narration(0.0, 3.5), None, None], fps=24, transition_s=0.5
    )
    assert layout.overlap == 12
    first, second, third = layout.slots
    assert second.start_frame == first.start_frame + first.frames - 12
    assert third.start_frame == second.start_frame + second.frames - 12
    # The first narration must end before the crossfade into the second segment begins.
    assert first.voice_off_s is not None
    assert first.voice_off_s <= (second.start_frame) / 24
    spans = layout.spans()
    assert spans[1].start_s < spans[0].end_s


def test_reel_timeline_bounds_the_crossfade_by_the_shortest_segment() -> None:
    layout = lay_out([0, 1], [1.0, 4.0], [None, None], fps=24, transition_s=2.0)
    assert layout.overlap == 12
    single = lay_out([0], [4.0], [None], fps=24, transition_s=1.0)
    assert single.overlap == 0
