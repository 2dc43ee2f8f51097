"""The reel's pictures, frame by frame: each clip decoded and brought to the reel's size and
rate by a filter graph, title cards, held last frames, crossfades (xfade) and burned captions
(overlay). Python only hands frames from graph to graph; the pixels are touched in C."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from fractions import Fraction
from pathlib import Path

import av
from av.filter import Graph
from av.filter.context import FilterContext

from storyreel.services.reel.timeline import Layout, Slot


def _pull(sink: FilterContext) -> Iterator[av.VideoFrame]:
    while True:
        try:
            frame = sink.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        assert isinstance(frame, av.VideoFrame)
        yield frame


def _source(
    graph: Graph, width: int, height: int, fps: int, pix_fmt: str = "yuv420p"
) -> FilterContext:
    # xfade wants the frame rate declared on its inputs, which add_buffer cannot say.
    args = (
        f"video_size={width}x{height}:pix_fmt={pix_fmt}:time_base=1/{fps}"
        f":frame_rate={fps}:pixel_aspect=1/1"
    )
    return graph.add("buffer", args)


def clip_frames(path: Path, width: int, height: int, fps: int) -> Iterator[av.VideoFrame]:
    """The clip's frames at the reel's size (scaled to fit, padded with black), rate and
    pixel format. A clip that already matches is passed through untouched."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        context = stream.codec_context
        rate = stream.average_rate
        if (context.width, context.height, context.pix_fmt) == (width, height, "yuv420p") and (
            rate is not None and Fraction(rate) == fps
        ):
            yield from container.decode(stream)
            return
        graph = Graph()
        last = source = graph.add_buffer(template=stream)
        for name, args in (
            ("scale", f"w={width}:h={height}:force_original_aspect_ratio=decrease"),
            ("pad", f"w={width}:h={height}:x=(ow-iw)/2:y=(oh-ih)/2:color=black"),
            ("setsar", "1"),
            ("fps", str(fps)),
            ("format", "yuv420p"),
        ):
            node = graph.add(name, args)
            last.link_to(node)
            last = node
        sink = graph.add("buffersink")
        last.link_to(sink)
        graph.configure()
        for frame in container.decode(stream):
            source.push(frame)
            yield from _pull(sink)
        source.push(None)
        yield from _pull(sink)


def slot_frames(slot: Slot, frames: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
    """Exactly ``slot.frames`` frames: the source's first ``source_frames`` (its last repeated
    if it runs short), then its last frame held for the rest."""
    last: av.VideoFrame | None = None
    count = 0
    try:
        for frame in frames:
            if count >= slot.source_frames:
                break
            last = frame
            count += 1
            yield frame
    finally:
        # Stop decoding a clip that is longer than its slot, and close its file now.
        close = getattr(frames, "close", None)
        if close is not None:
            close()
    if last is None:
        raise ValueError(f"segment {slot.index}'s clip has no frames")
    for _ in range(count, slot.frames):
        yield last


class Crossfader:
    """Blends the last ``overlap`` frames of one segment into the first of the next (xfade)."""

    def __init__(self, width: int, height: int, fps: int, overlap: int) -> None:
        self._size = (width, height)
        self._fps = fps
        self._overlap = overlap

    def blend(
        self, tail: Sequence[av.VideoFrame], head: Sequence[av.VideoFrame]
    ) -> list[av.VideoFrame]:
        graph = Graph()
        first = _source(graph, *self._size, self._fps)
        second = _source(graph, *self._size, self._fps)
        fade = graph.add("xfade", f"transition=fade:duration={self._overlap / self._fps}:offset=0")
        # xfade may settle on a richer pixel format; the encoder and overlay want yuv420p.
        convert = graph.add("format", "yuv420p")
        sink = graph.add("buffersink")
        first.link_to(fade, 0, 0)
        second.link_to(fade, 0, 1)
        fade.link_to(convert)
        convert.link_to(sink)
        graph.configure()
        out: list[av.VideoFrame] = []
        for pts, (a, b) in enumerate(zip(tail, head, strict=True)):
            for src, frame in ((first, a), (second, b)):
                frame.pts, frame.time_base = pts, Fraction(1, self._fps)
                src.push(frame)
            out.extend(_pull(sink))
        first.push(None)
        second.push(None)
        out.extend(_pull(sink))
        # xfade gives one frame per input pair; never let a short answer shift the reel.
        return [*out[: len(head)], *head[len(out) :]]


class CaptionBurner:
    """Lays prepared caption bands on the frames that show a cue (overlay filter).

    Every band is pushed up front, stamped with its first frame; the overlay shows the most
    recent band, and frames outside every cue skip the graph altogether.
    """

    def __init__(
        self,
        width: int,
        height: int,
        fps: int,
        band_top: int,
        band_height: int,
        cues: Sequence[tuple[int, int, bytes]],
    ) -> None:
        self._ranges = [(start, end) for start, end, _ in cues if end > start]
        self._cursor = 0
        if not self._ranges:
            return
        # Filter contexts only hold a weak reference to their graph: keep it alive here.
        self._graph = graph = Graph()
        self._main = _source(graph, width, height, fps)
        bands = _source(graph, width, band_height, fps, pix_fmt="rgba")
        overlay = graph.add("overlay", f"x=0:y={band_top}:eof_action=repeat:format=yuv420")
        self._sink = graph.add("buffersink")
        self._main.link_to(overlay, 0, 0)
        bands.link_to(overlay, 0, 1)
        overlay.link_to(self._sink)
        graph.configure()
        for start, end, rgba in cues:
            if end > start:
                band = av.VideoFrame.from_bytes(rgba, width, band_height, format="rgba")
                band.pts, band.time_base = start, Fraction(1, fps)
                bands.push(band)
        bands.push(None)

    def _showing(self, index: int) -> bool:
        while self._cursor < len(self._ranges) and self._ranges[self._cursor][1] <= index:
            self._cursor += 1
        return self._cursor < len(self._ranges) and self._ranges[self._cursor][0] <= index

    def apply(self, index: int, frame: av.VideoFrame) -> av.VideoFrame:
        """``frame`` (reel frame ``index``, stamped) with its caption laid on, if any."""
        if not self._showing(index):
            return frame
        self._main.push(frame)
        out = list(_pull(self._sink))
        return out[-1] if out else frame


def reel_frames(
    layout: Layout,
    sources: Sequence[Iterator[av.VideoFrame]],
    crossfader: Crossfader | None,
) -> Iterator[av.VideoFrame]:
    """Every frame of the reel in order, unstamped: each slot's frames, crossfaded into the
    next over ``layout.overlap`` frames."""
    overlap = layout.overlap if crossfader is not None else 0
    tail: list[av.VideoFrame] = []
    for position, (slot, source) in enumerate(zip(layout.slots, sources, strict=True)):
        frames = slot_frames(slot, source)
        if tail:
            head = [next(frames) for _ in range(overlap)]
            assert crossfader is not None
            yield from crossfader.blend(tail, head)
            tail = []
        keep = overlap if position < len(layout.slots) - 1 else 0
        window: list[av.VideoFrame] = []
        for frame in frames:
            window.append(frame)
            if len(window) > keep:
                yield window.pop(0)
        tail = window
