"""Assembling a reel on this machine, as ratios measured in one run.

    python bench/reel.py [--json]

Makes 6 clips of 8 s at 720x1280 and 24 fps (moving test patterns with a quiet sound bed, as
Veo's clips have), a narration WAV per segment (word-like bursts, one of them longer than its
clip so a last frame is held) and an MP3 of music shorter than the reel (so it loops). Then it
prints, side by side: the wall time of ReelAssembler.assemble with narration, burned captions
and music / the reel's duration (target <= 0.5), and the same for a plain stream-copy
concatenation of the same clips (the floor: no decoding, no encoding). It also decodes the
reel and reports its integrated loudness and true peak, measured here with ebur128.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
from av.filter import Graph

from storyreel.domain.reel import SPEECH_SAMPLE_RATE, ReelPlan, ReelSegment, Speech
from storyreel.services.reel import ReelAssembler, pcm
from storyreel.services.reel.loudness import measure

SEGMENTS = 6
CLIP_S = 8
WIDTH, HEIGHT, FPS = 720, 1280, 24
WORDS = (16, 18, 22, 15, 17, 12)  # about 0.4 s a word: the third runs past its clip
TARGET = 0.5
NARRATION = (
    "A lighthouse keeper lives alone on a rock, far out at sea, with only gulls for company.",
    "Every night he climbs the stairs, lights the lamp, and writes the weather in his book.",
    "One night a storm arrives that does not pass: it circles the tower, and it speaks to him, "
    "softly.",
    "The storm is lonely too. Ships flee from it, and nobody ever asks how it is.",
    "So the keeper makes tea, opens the window, and tells the storm about his day.",
    "By morning the sea is calm, and the keeper has a friend.",
)


def _pull(sink: Any) -> Iterator[Any]:
    while True:
        try:
            yield sink.pull()
        except (av.BlockingIOError, av.EOFError):
            return


def _source_graph(name: str, args: str, *after: tuple[str, str]) -> tuple[Graph, Any]:
    graph = Graph()
    last = graph.add(name, args)
    for filter_name, filter_args in after:
        node = graph.add(filter_name, filter_args)
        last.link_to(node)
        last = node
    sink = graph.add("abuffersink" if name in {"sine", "aevalsrc"} else "buffersink")
    last.link_to(sink)
    graph.configure()
    return graph, sink


def make_clip(path: Path, seed: int) -> None:
    with av.open(str(path), mode="w", format="mp4") as container:
        video = container.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        video.options = {"preset": "veryfast", "crf": "23"}
        audio = container.add_stream("aac", rate=48_000, layout="stereo")
        graph, sink = _source_graph(
            "testsrc2",
            f"size={WIDTH}x{HEIGHT}:rate={FPS}:duration={CLIP_S}",
            ("hue", f"h={seed * 55}"),
            ("format", "yuv420p"),
        )
        for frame in _pull(sink):
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        graph, sink = _source_graph(
            "sine",
            f"frequency={200 + 40 * seed}:sample_rate=48000:duration={CLIP_S}",
            ("volume", "0.1"),
            ("aformat", "sample_fmts=fltp:channel_layouts=stereo"),
        )
        graph.set_audio_frame_size(1024)
        for frame in _pull(sink):
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))


def make_voice(path: Path, words: int, seed: int) -> None:
    lead, word, period = 0.15, 0.3, 0.4
    end = lead + words * period - (period - word)
    phase = f"mod(t-{lead},{period})"
    pitch = f"(170+45*sin({seed + 1}*1.7*floor((t-{lead})/{period})))"
    envelope = f"gte(t,{lead})*lt(t,{end})*lt({phase},{word})*sqrt(sin(PI*{phase}/{word}))"
    voiced = f"(sin(2*PI*{pitch}*t)+0.4*sin(4*PI*{pitch}*t)+0.3*(2*random({seed})-1))"
    _, sink = _source_graph(
        "aevalsrc",
        f"0.27*{envelope}*{voiced}:s={SPEECH_SAMPLE_RATE}:d={end + 0.2}",
        ("aformat", "sample_fmts=s16:channel_layouts=mono"),
    )
    data = b"".join(bytes(frame.planes[0])[: 2 * frame.samples] for frame in _pull(sink))
    path.write_bytes(Speech(pcm=data).to_wav())


def make_music(path: Path, seconds: float = 20.0) -> None:
    with av.open(str(path), mode="w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=44_100, layout="stereo")
        chord = "0.2*sin(2*PI*220*t)+0.15*sin(2*PI*277*t)+0.1*sin(2*PI*330*t)*sin(PI*t)"
        graph, sink = _source_graph(
            "aevalsrc",
            f"{chord}:s=44100:d={seconds}",
            ("aformat", "sample_fmts=s16p:channel_layouts=stereo"),
        )
        graph.set_audio_frame_size(1152)
        for frame in _pull(sink):
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))


def concat_copy(clips: list[Path], dest: Path) -> float:
    """Join the clips packet by packet (no decoding): the floor any assembler stands on.
    Each stream of a clip carries on where the same stream of the previous clip stopped."""
    next_dts: dict[str, int] = {}
    with av.open(str(dest), mode="w", format="mp4") as out:
        with av.open(str(clips[0])) as first:
            streams = {s.type: out.add_stream_from_template(s) for s in first.streams}
        for clip in clips:
            with av.open(str(clip)) as container:
                shift: dict[str, int] = {}
                ends: dict[str, int] = {}
                for packet in container.demux():
                    kind = packet.stream.type
                    if packet.dts is None or kind not in streams:
                        continue
                    if kind not in shift:
                        shift[kind] = next_dts.get(kind, packet.dts) - packet.dts
                    packet.dts += shift[kind]
                    if packet.pts is not None:
                        packet.pts += shift[kind]
                    ends[kind] = packet.dts + (packet.duration or 1)
                    packet.stream = streams[kind]
                    out.mux(packet)
                next_dts.update(ends)
        video = streams["video"]
    with av.open(str(dest)) as joined:
        return float(joined.duration or 0) / av.time_base if video else 0.0


def decoded_loudness(path: Path) -> tuple[float, float]:
    data = pcm.decode(path, what="reel")
    level = measure(data)
    return level.integrated_lufs, level.true_peak_db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        segments = []
        for index in range(SEGMENTS):
            clip, voice = folder / f"clip-{index:02d}.mp4", folder / f"segment-{index:02d}.wav"
            make_clip(clip, index)
            make_voice(voice, WORDS[index], index)
            segments.append(ReelSegment(index, NARRATION[index], CLIP_S, clip, voice))
        music = folder / "music.mp3"
        make_music(music)
        plan = ReelPlan(tuple(segments), WIDTH, HEIGHT, fps=FPS, music=music)
        started, cpu = time.perf_counter(), time.process_time()
        result = ReelAssembler().assemble(plan, folder / "reel.mp4")
        assemble_s = time.perf_counter() - started
        # CPU seconds of every thread of this process (the codecs' own threads included):
        # on a machine shared with other work the wall time alone overstates the cost.
        assemble_cpu_s = time.process_time() - cpu
        started = time.perf_counter()
        copy_duration = concat_copy([s.clip for s in segments if s.clip], folder / "copy.mp4")
        copy_s = time.perf_counter() - started
        lufs, peak = decoded_loudness(result.path)
    figures = {
        "segments": SEGMENTS,
        "size": f"{WIDTH}x{HEIGHT}",
        "fps": FPS,
        "reel_duration_s": round(result.duration_s, 3),
        "held_s": result.extra.get("held_s", 0.0),
        "assemble_s": round(assemble_s, 3),
        "assemble_over_duration": round(assemble_s / result.duration_s, 3),
        "assemble_cpu_s": round(assemble_cpu_s, 3),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "target_assemble_over_duration": TARGET,
        "copy_concat_s": round(copy_s, 3),
        "copy_concat_over_duration": round(copy_s / copy_duration, 4),
        "loudness_lufs": round(lufs, 2),
        "true_peak_db": round(peak, 2),
        "target_lufs": plan.loudness_lufs,
    }
    if args.json:
        print(json.dumps(figures))
        return
    print(
        f"{SEGMENTS} clips of {CLIP_S} s at {WIDTH}x{HEIGHT}, {FPS} fps; reel "
        f"{figures['reel_duration_s']:.2f} s ({figures['held_s']:.2f} s of held last frame)"
    )
    print(f"{'':32}{'wall s':>8}{'wall / reel':>13}")
    print(
        f"{'assemble (voice+captions+music)':32}{assemble_s:8.2f}"
        f"{figures['assemble_over_duration']:13.3f}   (target <= {TARGET})"
    )
    print(
        f"{'stream-copy concatenation':32}{copy_s:8.2f}"
        f"{figures['copy_concat_over_duration']:13.4f}   (floor)"
    )
    print(
        f"assemble used {assemble_cpu_s:.2f} CPU s on {os.cpu_count()} cores; "
        f"load average {figures['load_average_1m']:.2f} when it finished"
    )
    print(
        f"loudness, decoded: {lufs:.2f} LUFS integrated (target {plan.loudness_lufs:g}), "
        f"true peak {peak:.2f} dBTP (ceiling {plan.true_peak_db:g})"
    )


if __name__ == "__main__":
    main()
