"""Where each segment sits in the reel, counted in frames: clip length, held last frame,
crossfade overlap and the narration's tempo. Pure arithmetic, decided before rendering."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from storyreel.domain.reel import SegmentSpan


@dataclass(frozen=True)
class Narration:
    """A segment's voice file as the layout sees it (seconds, at natural speed)."""

    speech_on_s: float
    speech_off_s: float


@dataclass(frozen=True)
class Slot:
    """One segment in the reel. ``frames`` counts every frame it shows, the held ones and the
    ones it shares with the next segment's crossfade included."""

    index: int
    start_frame: int
    frames: int
    source_frames: int
    tempo: float = 1.0
    voice_on_s: float | None = None
    voice_off_s: float | None = None

    @property
    def held_frames(self) -> int:
        return self.frames - self.source_frames


@dataclass(frozen=True)
class Layout:
    """Every slot of the reel, its frame rate and the crossfade length (frames)."""

    fps: int
    overlap: int
    slots: tuple[Slot, ...]

    @property
    def total_frames(self) -> int:
        last = self.slots[-1]
        return last.start_frame + last.frames

    @property
    def duration_s(self) -> float:
        return self.total_frames / self.fps

    def start_s(self, slot: Slot) -> float:
        return slot.start_frame / self.fps

    def spans(self) -> tuple[SegmentSpan, ...]:
        return tuple(
            SegmentSpan(
                index=slot.index,
                start_s=slot.start_frame / self.fps,
                end_s=(slot.start_frame + slot.frames) / self.fps,
                voice_start_s=slot.voice_on_s,
                voice_end_s=slot.voice_off_s,
            )
            for slot in self.slots
        )


def lay_out(
    indexes: Sequence[int],
    source_s: Sequence[float],
    narrations: Sequence[Narration | None],
    *,
    fps: int,
    transition_s: float = 0.0,
    max_tempo: float = 1.1,
    tail_s: float = 0.25,
) -> Layout:
    """Lay the segments end to end (overlapping by the crossfade).

    A narration starts with its segment. When its speech would run past the segment's picture
    (less the crossfade into the next one and a short ``tail_s`` of breath), it is first sped
    up, by at most ``max_tempo``, and what still does not fit holds the last frame: speech is
    never cut.
    """
    sources = [max(1, round(length * fps)) for length in source_s]
    overlap = round(transition_s * fps) if len(sources) > 1 else 0
    overlap = max(0, min(overlap, min(sources) // 2))
    slots: list[Slot] = []
    start = 0
    for position, (index, source, narration) in enumerate(
        zip(indexes, sources, narrations, strict=True)
    ):
        outgoing = overlap if position < len(sources) - 1 else 0
        frames, tempo = source, 1.0
        voice_on = voice_off = None
        if narration is not None:
            room = (source - outgoing) / fps - tail_s
            need = narration.speech_off_s
            if need > room:
                tempo = min(max_tempo, need / room) if room > 0 else max_tempo
                tempo = max(1.0, tempo)
                spoken = need / tempo + tail_s + outgoing / fps
                frames = max(source, math.ceil(spoken * fps - 1e-9))
            voice_on = start / fps + narration.speech_on_s / tempo
            voice_off = start / fps + narration.speech_off_s / tempo
        slots.append(
            Slot(
                index=index,
                start_frame=start,
                frames=frames,
                source_frames=source,
                tempo=tempo,
                voice_on_s=voice_on,
                voice_off_s=voice_off,
            )
        )
        start += frames - outgoing
    return Layout(fps=fps, overlap=overlap, slots=tuple(slots))
