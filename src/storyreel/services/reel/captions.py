"""Caption cues timed from the narration, written as SRT and WebVTT with pysubs2.

A segment's narration is cut into phrases at punctuation, each phrase wrapped into at most two
balanced lines of at most ``max_chars``; a phrase too long for that is cut between words. Each
word gets a share of the segment's voice span in proportion to its length, so a cue starts when
its first word is spoken and ends with its last.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pysubs2

from storyreel.files import write_atomic

MAX_CHARS = 42
MAX_LINES = 2
_SENTENCE_END = re.compile(r"[.!?…;:]+[\"'”’)\]]*$")
_PAUSE = re.compile(r"[,—–]+[\"'”’)\]]*$|^[—–]$")


@dataclass(frozen=True)
class Cue:
    """One caption on screen: its lines and when it shows (seconds in the reel)."""

    segment: int
    start_s: float
    end_s: float
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def _wrap(text: str, width: int) -> list[str]:
    # A word longer than a line keeps a line of its own rather than being cut in two; the
    # burned caption shrinks its font to fit it.
    return textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)


def wrap_balanced(words: Sequence[str], max_chars: int, max_lines: int = MAX_LINES) -> list[str]:
    """Wrap ``words`` into as few lines as fit ``max_chars``, as even in length as possible."""
    text = " ".join(words)
    if len(text) <= max_chars:
        return [text]
    lines = _wrap(text, max_chars)
    count, widest = len(lines), max(max_chars, *map(len, words))
    # The narrowest width that still gives the same number of lines evens them out.
    for width in range(math.ceil(len(text) / count), max_chars + 1):
        candidate = _wrap(text, width)
        if len(candidate) <= count and max(map(len, candidate)) <= widest:
            return candidate
    return lines


def _fits(words: Sequence[str], max_chars: int, max_lines: int) -> bool:
    return len(_wrap(" ".join(words), max_chars)) <= max_lines


def phrases(text: str, max_chars: int = MAX_CHARS, max_lines: int = MAX_LINES) -> list[list[str]]:
    """``text`` as groups of words, each one caption: cut at sentence ends always, at commas
    and dashes once the caption holds a line's worth, and between words when it would not fit.
    """
    groups: list[list[str]] = []
    current: list[str] = []
    for word in text.split():
        if current and not _fits([*current, word], max_chars, max_lines):
            groups.append(current)
            current = []
        current.append(word)
        joined = len(" ".join(current))
        if _SENTENCE_END.search(word) or (_PAUSE.search(word) and joined >= max_chars // 2):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    return groups


def segment_cues(
    segment: int,
    text: str,
    start_s: float,
    end_s: float,
    *,
    max_chars: int = MAX_CHARS,
    max_lines: int = MAX_LINES,
) -> list[Cue]:
    """The cues of one segment whose narration is heard from ``start_s`` to ``end_s``."""
    groups = phrases(text, max_chars, max_lines)
    weights = [[len(word) + 1 for word in group] for group in groups]
    total = sum(sum(group) for group in weights)
    if not total or end_s <= start_s:
        return []
    per_unit = (end_s - start_s) / total
    cues: list[Cue] = []
    elapsed = 0
    for group, group_weights in zip(groups, weights, strict=True):
        begin = start_s + elapsed * per_unit
        elapsed += sum(group_weights)
        end = start_s + elapsed * per_unit
        lines = tuple(wrap_balanced(group, max_chars, max_lines))
        cues.append(Cue(segment=segment, start_s=begin, end_s=end, lines=lines))
    return cues


def _ms_inside(cue: Cue) -> tuple[int, int]:
    # Rounded inwards, so a cue written to the millisecond never leaves its voice span.
    return math.ceil(cue.start_s * 1000 - 1e-6), math.floor(cue.end_s * 1000 + 1e-6)


def to_subtitles(cues: Sequence[Cue]) -> pysubs2.SSAFile:
    """The cues as a pysubs2 document (its own line breaks, ``\\N``)."""
    document = pysubs2.SSAFile()
    for cue in cues:
        start_ms, end_ms = _ms_inside(cue)
        if end_ms > start_ms:
            document.append(
                pysubs2.SSAEvent(start=start_ms, end=end_ms, text=r"\N".join(cue.lines))
            )
    return document


def write_captions(cues: Sequence[Cue], video: Path) -> tuple[Path, Path]:
    """Write ``reel.srt`` and ``reel.vtt`` beside ``video``, atomically; returns both paths."""
    document = to_subtitles(cues)
    srt_path, vtt_path = video.with_suffix(".srt"), video.with_suffix(".vtt")
    write_atomic(srt_path, document.to_string("srt").encode("utf-8"))
    write_atomic(vtt_path, document.to_string("vtt").encode("utf-8"))
    return srt_path, vtt_path
