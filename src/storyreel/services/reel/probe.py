"""Cheap checks of a reel's inputs: each file's header is read with PyAV, nothing is rendered.

The job layer calls these before it pays for anything, so a bad ``--music`` file or an
unwritable output folder fails in a second with one line that says what to do.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av

from storyreel.domain.reel import ReelPlan
from storyreel.errors import InputError

_AUDIO_KINDS = "an audio file (MP3, M4A/AAC, WAV, FLAC, Ogg, Opus)"


@dataclass(frozen=True)
class ClipInfo:
    """What the assembler needs to know of a clip before decoding it."""

    path: Path
    width: int
    height: int
    duration_s: float
    frame_rate: Fraction | None
    pix_fmt: str | None
    has_audio: bool


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return " ".join(str(text).split()) or type(exc).__name__


def probe_clip(path: Path) -> ClipInfo:
    """Size, duration and streams of the video at ``path``; InputError if it is not one."""
    if not path.is_file():
        raise InputError(f"clip {path} does not exist: film that segment again, or allow gaps")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"clip {path} is not a video (no picture stream): replace it")
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.base_rate
            duration = 0.0
            if stream.frames and rate:
                duration = float(stream.frames / rate)
            elif stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / av.time_base
            width, height = stream.codec_context.width, stream.codec_context.height
            pix_fmt = stream.codec_context.pix_fmt
            has_audio = bool(container.streams.audio)
    except av.FFmpegError as exc:
        raise InputError(
            f"clip {path} is not a video PyAV can read ({_reason(exc)}): replace it"
        ) from None
    if duration <= 0 or width <= 0 or height <= 0:
        raise InputError(f"clip {path} has no playable picture (a still image?): replace it")
    return ClipInfo(
        path=path,
        width=width,
        height=height,
        duration_s=duration,
        frame_rate=Fraction(rate) if rate else None,
        pix_fmt=pix_fmt,
        has_audio=has_audio,
    )


def probe_audio(path: Path, *, what: str) -> float:
    """The playing time of the audio at ``path`` in seconds (0 when the header does not say),
    after decoding its first frame; InputError, naming it as ``what``, if it is not audio."""
    if not path.is_file():
        raise InputError(f"{what} file {path} does not exist: give the path of {_AUDIO_KINDS}")
    try:
        with av.open(str(path)) as container:
            if not container.streams.audio:
                raise InputError(
                    f"{what} file {path} has no sound in it: give the path of {_AUDIO_KINDS}"
                )
            stream = container.streams.audio[0]
            # The header can name a codec this build cannot decode: one frame proves it can.
            if next(container.decode(stream), None) is None:
                raise InputError(f"{what} file {path} holds no audio frames: give {_AUDIO_KINDS}")
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
            if container.duration is not None:
                return container.duration / av.time_base
            return 0.0
    except av.FFmpegError as exc:
        raise InputError(
            f"{what} file {path} is not audio PyAV can decode ({_reason(exc)}): "
            f"give the path of {_AUDIO_KINDS}"
        ) from None


def check_music(path: Path) -> float:
    """Check that ``path`` is background music the assembler can use; returns its length (s).

    Raises InputError, with one line that says what to do, for a missing file or one that is
    not decodable audio. Cheap: reads the header and one frame.
    """
    return probe_audio(path, what="music")


def check_output(dest: Path) -> None:
    """Check that the reel can be written at ``dest``: its folder exists or can be made, and
    a file can be created in it. Raises InputError otherwise."""
    if dest.is_dir():
        raise InputError(f"reel output {dest} is a folder: give a file path such as reel.mp4")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".probe", dir=dest.parent)
    except OSError as exc:
        raise InputError(
            f"cannot write the reel in {dest.parent} ({_reason(exc)}): "
            "choose a folder you can write to"
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def check_plan(plan: ReelPlan, dest: Path | None = None) -> list[ClipInfo | None]:
    """Check every input of ``plan`` (clips, voices, music, picture size) and, when given,
    that ``dest`` is writable. Returns each segment's ClipInfo (None for a title card)."""
    if plan.width <= 0 or plan.height <= 0 or plan.width % 2 or plan.height % 2:
        raise InputError(
            f"reel size {plan.width}x{plan.height} is not usable: width and height must be "
            "positive even numbers"
        )
    if not 1 <= plan.fps <= 120:
        raise InputError(f"reel frame rate {plan.fps} is out of range: use 1-120 fps")
    if not plan.segments:
        raise InputError("the reel has no segments: write a story before assembling")
    infos: list[ClipInfo | None] = []
    for segment in plan.segments:
        if segment.clip is None and segment.duration_s <= 0:
            raise InputError(
                f"segment {segment.index} has neither a clip nor a duration for its title card"
            )
        infos.append(probe_clip(segment.clip) if segment.clip is not None else None)
        if segment.voice is not None:
            probe_audio(segment.voice, what=f"narration of segment {segment.index}")
    if plan.music is not None:
        check_music(plan.music)
    if dest is not None:
        check_output(dest)
    return infos
