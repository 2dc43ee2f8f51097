"""The reel's sound: narration placed at each segment's start, the clips' own sound and the
music ducked under it (sidechaincompress), summed (amix) and brought to the target loudness.

Every track is a full-length float stereo timeline, so the mix graph lines them up by
position alone.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from av.filter import Graph
from av.filter.context import FilterContext

from storyreel.services.reel import pcm
from storyreel.services.reel.loudness import Loudness, apply_gain, measure, normalise

VOICE_LUFS = -20.0
"""Narration is levelled to this before mixing, so the ducking threshold means the same for
every voice."""
_DUCK = "threshold=0.02:ratio=10:attack=15:release=350:knee=4"
_MUSIC_END_FADE_S = 1.5


@dataclass(frozen=True)
class Part:
    """Sound to place in a track, starting at sample ``at``."""

    at: int
    data: array[float]


def stretch(data: array[float], tempo: float) -> array[float]:
    """``data`` played ``tempo`` times faster at the same pitch (atempo)."""
    if abs(tempo - 1.0) < 1e-3:
        return data
    out, _ = pcm.run_chain(data, [("atempo", f"tempo={tempo:.5f}")])
    return out


def track(parts: Sequence[Part], total: int) -> array[float]:
    """A timeline of ``total`` samples with ``parts`` mixed in at their places."""
    out = pcm.silence(total)
    written = 0
    for part in sorted(parts, key=lambda item: item.at):
        written = pcm.place(out, part.at, part.data, written)
    return out


def music_track(path: Path, total: int) -> array[float]:
    """The music looped (or cut) to ``total`` samples, with soft seams and a fade at the end."""
    one = pcm.decode(path, what="music", limit_s=total / pcm.RATE)
    samples = len(one) // pcm.CHANNELS
    if samples == 0:
        return pcm.silence(total)
    seam = min(samples // 4, round(0.03 * pcm.RATE))
    out = array("f")
    if samples < total:
        pcm.fade(one, seam, seam)
    while len(out) < total * pcm.CHANNELS:
        out.extend(one)
    del out[total * pcm.CHANNELS :]
    pcm.fade(out, seam, min(total // 4, round(_MUSIC_END_FADE_S * pcm.RATE)))
    return out


def _chain(graph: Graph, first: FilterContext, *filters: tuple[str, str]) -> FilterContext:
    last = first
    for name, args in filters:
        node = graph.add(name, args)
        last.link_to(node)
        last = node
    return last


def _mix_graph(
    voice: array[float] | None,
    bed: array[float] | None,
    music: array[float] | None,
    music_volume_db: float,
) -> array[float]:
    graph = Graph()
    feeds: list[tuple[FilterContext, array[float]]] = []
    mixed: list[tuple[FilterContext, int]] = []  # (node, its output pad) for each amix input
    others = [(name, data) for name, data in (("bed", bed), ("music", music)) if data is not None]
    split: FilterContext | None = None
    if voice is not None:
        source = pcm.add_source(graph, "voice")
        feeds.append((source, voice))
        # One copy of the voice is heard; the others key the duckers.
        split = graph.add("asplit", str(1 + len(others)))
        source.link_to(split)
        mixed.append((split, 0))
    for pad, (name, data) in enumerate(others, start=1):
        source = pcm.add_source(graph, name)
        feeds.append((source, data))
        last = source
        if name == "music":
            last = _chain(graph, source, ("volume", f"volume={music_volume_db:.3f}dB"))
        if split is not None:
            duck = graph.add("sidechaincompress", _DUCK)
            last.link_to(duck, 0, 0)
            split.link_to(duck, pad, 1)
            last = duck
        mixed.append((last, 0))
    amix = graph.add("amix", f"inputs={len(mixed)}:normalize=0:duration=longest")
    for slot, (node, pad) in enumerate(mixed):
        node.link_to(amix, pad, slot)
    sink = pcm.add_sink(graph, amix)
    out = array("f")
    for source, data in feeds:
        for frame in pcm.to_frames(data):
            source.push(frame)
        source.push(None)
    for frame in pcm.pull_all(sink):
        pcm.append_frame(out, frame)
    return out


def mix(
    voice: array[float] | None,
    bed: array[float] | None,
    music: array[float] | None,
    *,
    total: int,
    music_volume_db: float,
    target_lufs: float,
    true_peak_db: float,
) -> tuple[array[float], Loudness]:
    """The finished soundtrack, ``total`` samples long, and its measured loudness."""
    if voice is not None:
        level = measure(voice, peak=False)
        voice = None if level.silent else apply_gain(voice, VOICE_LUFS - level.integrated_lufs)
    tracks = [data for data in (voice, bed, music) if data is not None]
    if not tracks:
        silent = pcm.silence(total)
        return silent, measure(silent)
    if len(tracks) == 1 and music is None:
        mixed = tracks[0]
    else:
        mixed = _mix_graph(voice, bed, music, music_volume_db)
    if len(mixed) < total * pcm.CHANNELS:
        mixed.extend(pcm.silence(total - len(mixed) // pcm.CHANNELS))
    del mixed[total * pcm.CHANNELS :]
    return normalise(mixed, target_lufs, true_peak_db)
