"""Writing the reel: H.264 (libx264) and AAC in an MP4 whose index comes first (+faststart),
the sound muxed in step with the picture so that a player streaming it gets both at once."""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av

from storyreel.services.reel import pcm


@dataclass(frozen=True)
class EncoderOptions:
    """libx264's speed/quality trade-off and the AAC bit rate."""

    preset: str = "ultrafast"
    crf: int = 21
    threads: int = 0
    """0 lets x264 pick (one thread per core, plus lookahead)."""
    audio_bitrate: int = 160_000


def _packet_time(packet: av.Packet[Any], which: str) -> float:
    stamp = packet.dts if which == "dts" and packet.dts is not None else packet.pts
    if stamp is None or packet.time_base is None:
        return 0.0
    return float(stamp * packet.time_base)


class ReelWriter:
    """An MP4 being written: the picture and the sound are encoded apart (each may run in its
    own thread: PyAV lets go of the GIL while a codec works), then muxed together in time
    order by :meth:`finish`, so a player streaming the file gets both at once."""

    def __init__(self, path: Path, *, width: int, height: int, fps: int, options: EncoderOptions):
        self._fps = fps
        self._container = av.open(
            str(path), mode="w", format="mp4", container_options={"movflags": "+faststart"}
        )
        try:
            video = self._container.add_stream("libx264", rate=fps)
            video.width, video.height, video.pix_fmt = width, height, "yuv420p"
            video.codec_context.gop_size = 2 * fps
            video.options = {
                "preset": options.preset,
                "crf": str(options.crf),
                "threads": str(options.threads),
            }
            audio = self._container.add_stream("aac", rate=pcm.RATE, layout=pcm.LAYOUT)
            audio.bit_rate = options.audio_bitrate
        except BaseException:
            self._container.close()
            raise
        self._video, self._audio = video, audio

    def encode_sound(self, soundtrack: array[float]) -> list[av.Packet[Any]]:
        """The AAC packets of ``soundtrack`` (float stereo, 48 kHz)."""
        packets: list[av.Packet[Any]] = []
        for chunk in pcm.to_frames(soundtrack, chunk=1024):
            packets.extend(self._audio.encode(chunk))
        packets.extend(self._audio.encode(None))
        return packets

    def encode_pictures(
        self,
        frames: Iterable[av.VideoFrame],
        decorate: Callable[[int, av.VideoFrame], av.VideoFrame] | None = None,
    ) -> list[av.Packet[Any]]:
        """The H.264 packets of ``frames``, stamped here in order; ``decorate`` may replace
        each stamped frame (burned captions)."""
        time_base = Fraction(1, self._fps)
        packets: list[av.Packet[Any]] = []
        for index, frame in enumerate(frames):
            frame.pts, frame.time_base = index, time_base
            if decorate is not None:
                frame = decorate(index, frame)
            # A decoded frame remembers its type (I/P/B); x264 would obey it.
            frame.pict_type = av.video.frame.PictureType.NONE
            packets.extend(self._video.encode(frame))
        packets.extend(self._video.encode(None))
        return packets

    def finish(self, video: list[av.Packet[Any]], audio: list[av.Packet[Any]]) -> None:
        """Mux both streams, interleaved by time, and close the file (the index is moved to
        the front then)."""
        pending = deque(audio)
        with self._container as container:
            for packet in video:
                until = _packet_time(packet, "dts")
                while pending and _packet_time(pending[0], "pts") <= until:
                    container.mux(pending.popleft())
                container.mux(packet)
            while pending:
                container.mux(pending.popleft())

    def abort(self) -> None:
        """Close the file without finishing it (after a failure)."""
        self._container.close()


def measured_duration(path: Path) -> float:
    """The playing time of the written file, as a player reads it from its header."""
    with av.open(str(path)) as container:
        if container.duration is not None:
            return container.duration / av.time_base
        stream = container.streams.video[0]
        if stream.duration is None or stream.time_base is None:
            return 0.0
        return float(stream.duration * stream.time_base)
