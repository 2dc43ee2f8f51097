"""Real media for the reel tests, made here with PyAV (clips, narration WAVs, music), the
shape of the reels the session fixture assembles, and what the tests measure on them."""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
from av.filter import Graph
from PIL import Image

from storyreel.domain.reel import SPEECH_SAMPLE_RATE, ReelPlan, ReelResult, Speech

WORD_S = 0.3
GAP_S = 0.1
LEAD_S = 0.15

CLIP_S = 3.0
CARD_S = 2.5
FPS = 24
SIZE = (180, 320)
WORDS = (6, 10, 4)
"""Narration lengths in words (0.4 s each): the second runs past its 3 s clip."""
NARRATION = (
    "The keeper lights the lamp, every single night.",
    "One night a storm arrives: it circles the tower, and it speaks to him softly.",
    "They become friends.",
)


@dataclass(frozen=True)
class Reels:
    """The plans and what assembling them gave."""

    full_plan: ReelPlan
    full: ReelResult
    """Clip with sound, clip of another shape without sound, title card; music; captions."""
    plain: ReelResult
    """``full`` with burn_captions False."""
    voice_plan: ReelPlan
    voice: ReelResult
    """Silent clips, no music, 0.5 s crossfades, no captions: only the narration is heard."""


def _pull(graph_sink: av.filter.context.FilterContext) -> Iterator[Any]:
    while True:
        try:
            yield graph_sink.pull()
        except (av.BlockingIOError, av.EOFError):
            return


def make_clip(
    path: Path,
    *,
    seconds: float = 4.0,
    size: tuple[int, int] = (180, 320),
    fps: int = 24,
    sound: bool = True,
) -> Path:
    """An H.264 MP4 of moving test patterns (testsrc2), with a quiet AAC tone when ``sound``."""
    width, height = size
    with av.open(str(path), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"preset": "ultrafast", "crf": "30"}
        # Every stream is declared before the first packet: the header is written then.
        audio = container.add_stream("aac", rate=48_000, layout="stereo") if sound else None
        graph = Graph()
        source = graph.add("testsrc2", f"size={width}x{height}:rate={fps}:duration={seconds}")
        convert = graph.add("format", "yuv420p")
        sink = graph.add("buffersink")
        source.link_to(convert)
        convert.link_to(sink)
        graph.configure()
        for frame in _pull(sink):
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            graph = Graph()
            tone = graph.add("sine", f"frequency=330:sample_rate=48000:duration={seconds}")
            chain = [
                graph.add("volume", "0.25"),
                graph.add("aformat", "sample_fmts=fltp:channel_layouts=stereo"),
                graph.add("abuffersink"),
            ]
            tone.link_to(chain[0])
            chain[0].link_to(chain[1])
            chain[1].link_to(chain[2])
            graph.configure()
            graph.set_audio_frame_size(1024)
            for frame in _pull(chain[2]):
                container.mux(audio.encode(frame))
            container.mux(audio.encode(None))
    return path


def speech_pcm(words: int, *, seed: int = 0, trail_s: float = 0.2) -> bytes:
    """Word-like bursts at 24 kHz, 16-bit mono: each word a voiced tone with a little noise
    under a rise-and-fall envelope, then a short gap; silence before the first word and after
    the last. Made by ffmpeg's expression source, so it costs nothing to make."""
    period, end = WORD_S + GAP_S, LEAD_S + words * (WORD_S + GAP_S) - GAP_S
    phase = f"mod(t-{LEAD_S},{period})"
    pitch = f"(170+45*sin({seed + 1}*1.7*floor((t-{LEAD_S})/{period})))"
    envelope = f"gte(t,{LEAD_S})*lt(t,{end})*lt({phase},{WORD_S})*sqrt(sin(PI*{phase}/{WORD_S}))"
    voiced = f"(sin(2*PI*{pitch}*t)+0.4*sin(4*PI*{pitch}*t)+0.3*(2*random({seed})-1))"
    graph = Graph()
    source = graph.add(
        "aevalsrc", f"0.27*{envelope}*{voiced}:s={SPEECH_SAMPLE_RATE}:d={end + trail_s}"
    )
    convert = graph.add("aformat", "sample_fmts=s16:channel_layouts=mono")
    sink = graph.add("abuffersink")
    source.link_to(convert)
    convert.link_to(sink)
    graph.configure()
    out = bytearray()
    for frame in _pull(sink):
        assert isinstance(frame, av.AudioFrame)
        out += bytes(frame.planes[0])[: 2 * frame.samples]
    return bytes(out)


def make_voice(path: Path, words: int, *, seed: int = 0) -> Path:
    """A narration WAV as the voice step writes it (Speech.to_wav)."""
    path.write_bytes(Speech(pcm=speech_pcm(words, seed=seed)).to_wav())
    return path


def voice_seconds(words: int) -> tuple[float, float]:
    """Where speech starts and ends in ``make_voice(words)``'s file."""
    return LEAD_S, LEAD_S + words * (WORD_S + GAP_S) - GAP_S


def make_music(path: Path, *, seconds: float = 3.0) -> Path:
    """A short MP3 of a steady chord, for looping under a reel."""
    with av.open(str(path), mode="w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=44_100, layout="stereo")
        graph = Graph()
        tone = graph.add(
            "aevalsrc",
            f"0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277*t)+0.1*sin(2*PI*330*t):s=44100:d={seconds}",
        )
        convert = graph.add("aformat", "sample_fmts=s16p:channel_layouts=stereo")
        sink = graph.add("abuffersink")
        tone.link_to(convert)
        convert.link_to(sink)
        graph.configure()
        graph.set_audio_frame_size(1152)
        for frame in _pull(sink):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


# What the tests measure on a written reel, with decoders of their own.

ANALYSIS_RATE = 16_000


def decode_mono(path: Path, rate: int = ANALYSIS_RATE) -> array[float]:
    """The reel's sound as float mono samples at ``rate``."""
    out = array("f")
    resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for converted in resampler.resample(frame):
                out.frombytes(bytes(converted.planes[0])[: 4 * converted.samples])
        for converted in resampler.resample(None):
            out.frombytes(bytes(converted.planes[0])[: 4 * converted.samples])
    return out


def rms_db(samples: array[float], start_s: float, end_s: float, rate: int = ANALYSIS_RATE) -> float:
    """Root-mean-square level of ``samples`` between two times, in dBFS."""
    part = samples[round(start_s * rate) : round(end_s * rate)]
    if not part:
        return -math.inf
    power = sum(value * value for value in part) / len(part)
    return 10 * math.log10(power) if power > 0 else -math.inf


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of the decoded sound of ``path``."""
    graph = Graph()
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        source = graph.add_abuffer(template=stream)
        meter = graph.add("ebur128", "peak=true:metadata=1")
        sink = graph.add("abuffersink")
        source.link_to(meter)
        meter.link_to(sink)
        graph.configure()
        metadata: dict[str, str] = {}
        for frame in [*container.decode(stream), None]:
            source.push(frame)
            for done in _pull(sink):
                metadata = dict(done.metadata) or metadata
    peak = float(metadata["lavfi.r128.true_peak"])
    return float(metadata["lavfi.r128.I"]), 20 * math.log10(peak)


def video_frames(path: Path) -> list[Image.Image]:
    """Every picture of ``path``, decoded, as RGB images."""
    with av.open(str(path)) as container:
        return [
            frame.to_image()  # type: ignore[no-untyped-call]
            for frame in container.decode(video=0)
        ]


def top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order."""
    data = path.read_bytes()
    boxes, offset = [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        elif size == 0:
            size = len(data) - offset
        boxes.append(kind)
        offset += size
    return boxes
