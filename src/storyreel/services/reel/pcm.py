"""Sound as the assembler holds it: interleaved 32-bit float stereo at 48 kHz in an ``array``,
decoded and filtered with PyAV, and cut back into frames for filter graphs and the encoder."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator
from fractions import Fraction
from pathlib import Path

import av
from av.filter import Graph
from av.filter.context import FilterContext

from storyreel.errors import InputError

RATE = 48_000
CHANNELS = 2
LAYOUT = "stereo"
TIME_BASE = Fraction(1, RATE)
CHUNK = 4096
_BYTES_PER_SAMPLE = 4 * CHANNELS


def silence(samples: int) -> array[float]:
    """``samples`` stereo samples of silence."""
    return array("f", bytes(samples * _BYTES_PER_SAMPLE))


def seconds(data: array[float]) -> float:
    return len(data) / CHANNELS / RATE


def append_frame(out: array[float], frame: av.AudioFrame) -> None:
    """Append a packed float stereo frame's samples (its plane may carry padding)."""
    out.frombytes(bytes(frame.planes[0])[: frame.samples * _BYTES_PER_SAMPLE])


def to_frames(data: array[float], chunk: int = CHUNK) -> Iterator[av.AudioFrame]:
    """Packed float stereo frames of ``chunk`` samples, stamped in 1/48000 s."""
    step = chunk * CHANNELS
    for start in range(0, len(data), step):
        part = data[start : start + step]
        frame = av.AudioFrame(format="flt", layout=LAYOUT, samples=len(part) // CHANNELS)
        frame.planes[0].update(part.tobytes())
        frame.sample_rate = RATE
        frame.pts = start // CHANNELS
        frame.time_base = TIME_BASE
        yield frame


def pull_all(sink: FilterContext) -> Iterator[av.AudioFrame]:
    """Every frame the graph ending in ``sink`` can give now (all of them after EOF)."""
    while True:
        try:
            frame = sink.pull()
        except (av.BlockingIOError, av.EOFError):
            return
        assert isinstance(frame, av.AudioFrame)
        yield frame


def add_source(graph: Graph, name: str | None = None) -> FilterContext:
    """A buffer source for the assembler's own sound format."""
    return graph.add_abuffer(
        sample_rate=RATE, format="flt", layout=LAYOUT, time_base=TIME_BASE, name=name
    )


def add_sink(graph: Graph, last: FilterContext, *, frame_size: int | None = None) -> FilterContext:
    """Convert back to the assembler's format after ``last`` and end the graph in a sink."""
    convert = graph.add("aformat", f"sample_fmts=flt:sample_rates={RATE}:channel_layouts={LAYOUT}")
    sink = graph.add("abuffersink")
    last.link_to(convert)
    convert.link_to(sink)
    graph.configure()
    if frame_size is not None:
        graph.set_audio_frame_size(frame_size)
    return sink


def run_chain(
    data: array[float], filters: Iterable[tuple[str, str]]
) -> tuple[array[float], dict[str, str]]:
    """Run ``data`` through a chain of audio filters; returns the result and the metadata of
    its last frame (where measuring filters such as ebur128 leave their totals)."""
    graph = Graph()
    last = source = add_source(graph)
    for name, args in filters:
        node = graph.add(name, args)
        last.link_to(node)
        last = node
    sink = add_sink(graph, last)
    out = array("f")
    metadata: dict[str, str] = {}
    for frame in [*to_frames(data), None]:
        source.push(frame)
        for done in pull_all(sink):
            append_frame(out, done)
            # A measuring filter's running totals ride on the frames it has seen.
            metadata = dict(done.metadata) or metadata
    return out, metadata


def decode(path: Path, *, what: str, limit_s: float | None = None) -> array[float]:
    """The first audio stream of ``path`` as float stereo at 48 kHz, at most ``limit_s`` long."""
    limit = None if limit_s is None else round(limit_s * RATE) * CHANNELS
    out = array("f")
    resampler = av.AudioResampler(format="flt", layout=LAYOUT, rate=RATE)
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(f"{what} file {path} has no sound in it: replace it")
            stream = container.streams.audio[0]
            for frame in container.decode(stream):
                for converted in resampler.resample(frame):
                    append_frame(out, converted)
                if limit is not None and len(out) >= limit:
                    break
            else:
                for converted in resampler.resample(None):
                    append_frame(out, converted)
    except av.FFmpegError as exc:
        reason = " ".join(str(getattr(exc, "strerror", None) or exc).split())
        raise InputError(
            f"{what} file {path} could not be decoded ({reason}): replace it"
        ) from None
    if limit is not None:
        del out[limit:]
    return out


def fade(data: array[float], fade_in: int, fade_out: int) -> None:
    """Linear fades over the first ``fade_in`` and last ``fade_out`` samples, in place, so that
    a cut or a loop does not click."""
    total = len(data) // CHANNELS
    fade_in, fade_out = min(fade_in, total), min(fade_out, total)
    for i in range(fade_in):
        gain = i / fade_in
        data[2 * i] *= gain
        data[2 * i + 1] *= gain
    for i in range(fade_out):
        gain = i / fade_out
        j = total - 1 - i
        data[2 * j] *= gain
        data[2 * j + 1] *= gain


def place(track: array[float], at: int, data: array[float], written: int) -> int:
    """Mix ``data`` into ``track`` starting at sample ``at``; samples before ``written`` may
    already hold sound and are added to, the rest copied. Returns the new ``written``."""
    start, end = at * CHANNELS, min(len(track), (at * CHANNELS) + len(data))
    if end <= start:
        return written
    overlap_end = min(end, written * CHANNELS)
    for i in range(start, overlap_end):
        track[i] += data[i - start]
    copy_from = max(start, overlap_end)
    track[copy_from:end] = data[copy_from - start : end - start]
    return max(written, end // CHANNELS)


def speech_bounds(data: array[float], window_s: float = 0.01) -> tuple[float, float] | None:
    """Where speech starts and ends in ``data`` (seconds): the first and last window whose peak
    is within 30 dB of the loudest sample. None for silence."""
    peak = max(max(data, default=0.0), -min(data, default=0.0))
    if peak < 1e-4:
        return None
    threshold = peak * 10 ** (-30 / 20)
    step = max(CHANNELS, round(window_s * RATE) * CHANNELS)
    loud = [
        start
        for start in range(0, len(data), step)
        if max(data[start : start + step]) > threshold
        or -min(data[start : start + step]) > threshold
    ]
    first, last = loud[0], min(len(data), loud[-1] + step)
    return first / CHANNELS / RATE, last / CHANNELS / RATE


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))


def gain_to_db(gain: float) -> float:
    return 20 * math.log10(gain) if gain > 0 else -math.inf
