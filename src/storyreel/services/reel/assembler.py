"""The reel assembler: a job's clips, narration, captions and music in one ``reel.mp4``."""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import av

from storyreel.domain.reel import ReelPlan, ReelResult, ReelSegment
from storyreel.errors import InputError
from storyreel.files import create_temporary
from storyreel.services.reel import audio, pcm
from storyreel.services.reel.captions import Cue, segment_cues, write_captions
from storyreel.services.reel.cards import card_frame
from storyreel.services.reel.encode import EncoderOptions, ReelWriter, measured_duration
from storyreel.services.reel.loudness import Loudness
from storyreel.services.reel.overlay import caption_layout, render_caption
from storyreel.services.reel.probe import ClipInfo, check_music, check_plan
from storyreel.services.reel.timeline import Layout, Narration, lay_out
from storyreel.services.reel.video import CaptionBurner, Crossfader, clip_frames, reel_frames

logger = logging.getLogger(__name__)


class ReelAssembler:
    """Renders a :class:`~storyreel.domain.reel.ReelPlan` to an MP4 with PyAV (the
    ``ReelAssembler`` port of the job layer). Blocking and CPU-bound; makes no network call.

    ``preset``/``crf`` tune libx264, ``threads`` its thread count (0: one per core),
    ``max_tempo`` how much a narration longer than its clip may be sped up before the clip's
    last frame is held instead.
    """

    def __init__(
        self,
        *,
        preset: str = "ultrafast",
        crf: int = 21,
        threads: int = 0,
        max_tempo: float = 1.1,
        audio_bitrate: int = 160_000,
    ) -> None:
        if not 1.0 <= max_tempo <= 1.1:
            raise ValueError(
                "max_tempo must be between 1.0 and 1.1: faster speech is hard to follow"
            )
        self._options = EncoderOptions(
            preset=preset, crf=crf, threads=threads, audio_bitrate=audio_bitrate
        )
        self._max_tempo = max_tempo

    def check_music(self, path: Path) -> float:
        """Same as :func:`storyreel.services.reel.check_music`."""
        return check_music(path)

    def check(self, plan: ReelPlan, dest: Path) -> None:
        """Every check :meth:`assemble` makes before rendering (clips, voices, music, output
        folder), in a second: InputError with one line on the first problem."""
        check_plan(plan, dest)

    def assemble(self, plan: ReelPlan, dest: Path) -> ReelResult:
        """Write ``dest`` (and ``.srt``/``.vtt`` beside it when ``plan.captions``).

        Raises InputError, before rendering anything, for a missing or unreadable clip, voice
        or music file, an unusable picture size or an output folder that cannot be written.
        """
        infos = check_plan(plan, dest)
        voices = [self._voice(segment) for segment in plan.segments]
        layout = lay_out(
            [segment.index for segment in plan.segments],
            [
                info.duration_s if info else segment.duration_s
                for info, segment in zip(infos, plan.segments, strict=True)
            ],
            [narration for _, narration in voices],
            fps=plan.fps,
            transition_s=plan.transition_s,
            max_tempo=self._max_tempo,
        )
        place = caption_layout(plan.width, plan.height)
        cues: list[Cue] = []
        for segment, slot in zip(plan.segments, layout.slots, strict=True):
            if slot.voice_on_s is not None and slot.voice_off_s is not None:
                cues += segment_cues(
                    segment.index,
                    segment.narration,
                    slot.voice_on_s,
                    slot.voice_off_s,
                    max_chars=place.max_chars,
                )
        cards = {segment.index for segment in plan.segments if segment.clip is None}
        burner = None
        if plan.burn_captions:
            # A title card already shows its narration: no caption on top of it.
            bands = [
                (
                    round(cue.start_s * plan.fps),
                    round(cue.end_s * plan.fps),
                    render_caption(cue.lines, place),
                )
                for cue in cues
                if cue.segment not in cards
            ]
            burner = CaptionBurner(
                plan.width, plan.height, plan.fps, place.band_top, place.band_height, bands
            )
        loudness = self._render(plan, dest, layout, infos, voices, burner)
        captions: tuple[Path, ...] = ()
        if plan.captions and cues:
            captions = write_captions(cues, dest)
        else:
            # Captions of an earlier assembly would not match this reel's timing.
            for stale in (dest.with_suffix(".srt"), dest.with_suffix(".vtt")):
                stale.unlink(missing_ok=True)
        held = sum(slot.held_frames for slot in layout.slots) / plan.fps
        return ReelResult(
            path=dest,
            duration_s=measured_duration(dest),
            spans=layout.spans(),
            captions=captions,
            narrated_segments=tuple(
                slot.index for slot in layout.slots if slot.voice_on_s is not None
            ),
            cards=tuple(sorted(cards)),
            extra={
                "loudness_lufs": round(loudness.integrated_lufs, 2),
                "true_peak_db": round(loudness.true_peak_db, 2),
                "held_s": round(held, 3),
            },
        )

    @staticmethod
    def _voice(segment: ReelSegment) -> tuple[array[float] | None, Narration | None]:
        if segment.voice is None:
            return None, None
        data = pcm.decode(segment.voice, what=f"narration of segment {segment.index}")
        bounds = pcm.speech_bounds(data)
        if bounds is None:
            logger.warning("the narration of segment %d is silent: left out", segment.index)
            return None, None
        return data, Narration(speech_on_s=bounds[0], speech_off_s=bounds[1])

    @staticmethod
    def _pictures(
        plan: ReelPlan, segment: ReelSegment, info: ClipInfo | None, frames: int
    ) -> Iterator[av.VideoFrame]:
        if info is None:
            return itertools.repeat(card_frame(segment.narration, plan.width, plan.height), frames)
        return clip_frames(info.path, plan.width, plan.height, plan.fps)

    def _soundtrack(
        self,
        plan: ReelPlan,
        infos: list[ClipInfo | None],
        voices: list[tuple[array[float] | None, Narration | None]],
        layout: Layout,
    ) -> tuple[array[float], Loudness]:
        total = round(layout.total_frames * pcm.RATE / plan.fps)
        voice_parts, bed_parts = [], []
        overlap_s = layout.overlap / plan.fps
        for slot, info, (data, _) in zip(layout.slots, infos, voices, strict=True):
            at = round(slot.start_frame * pcm.RATE / plan.fps)
            if data is not None:
                voice_parts.append(audio.Part(at, audio.stretch(data, slot.tempo)))
            if info is not None and info.has_audio:
                length_s = slot.source_frames / plan.fps
                bed = pcm.decode(info.path, what=f"clip of segment {slot.index}", limit_s=length_s)
                fade_out = overlap_s or (0.3 if slot.held_frames else 0.03)
                pcm.fade(bed, round(max(overlap_s, 0.02) * pcm.RATE), round(fade_out * pcm.RATE))
                bed_parts.append(audio.Part(at, bed))
        return audio.mix(
            audio.track(voice_parts, total) if voice_parts else None,
            audio.track(bed_parts, total) if bed_parts else None,
            audio.music_track(plan.music, total) if plan.music is not None else None,
            total=total,
            music_volume_db=plan.music_volume_db,
            target_lufs=plan.loudness_lufs,
            true_peak_db=plan.true_peak_db,
        )

    def _render(
        self,
        plan: ReelPlan,
        dest: Path,
        layout: Layout,
        infos: list[ClipInfo | None],
        voices: list[tuple[array[float] | None, Narration | None]],
        burner: CaptionBurner | None,
    ) -> Loudness:
        sources = [
            self._pictures(plan, segment, info, slot.source_frames)
            for segment, info, slot in zip(plan.segments, infos, layout.slots, strict=True)
        ]
        crossfader = None
        if layout.overlap:
            crossfader = Crossfader(plan.width, plan.height, plan.fps, layout.overlap)
        fd, name = create_temporary(dest)
        os.close(fd)
        tmp = Path(name)
        try:
            writer = ReelWriter(
                tmp, width=plan.width, height=plan.height, fps=plan.fps, options=self._options
            )
            try:
                # The sound is mixed and encoded beside the picture: both are mostly codec
                # and filter work, which PyAV runs without the GIL.
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reel-sound") as pool:
                    sound = pool.submit(self._sound_packets, writer, plan, infos, voices, layout)
                    video = writer.encode_pictures(
                        reel_frames(layout, sources, crossfader),
                        burner.apply if burner is not None else None,
                    )
                    packets, loudness = sound.result()
                writer.finish(video, packets)
            except BaseException:
                with contextlib.suppress(Exception):
                    writer.abort()
                raise
            os.replace(tmp, dest)
        except (av.FFmpegError, OSError) as exc:
            reason = " ".join(str(getattr(exc, "strerror", None) or exc).split())
            raise InputError(
                f"could not write the reel {dest} ({reason}): check the clips and the free space"
            ) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        return loudness

    def _sound_packets(
        self,
        writer: ReelWriter,
        plan: ReelPlan,
        infos: list[ClipInfo | None],
        voices: list[tuple[array[float] | None, Narration | None]],
        layout: Layout,
    ) -> tuple[list[av.Packet[Any]], Loudness]:
        soundtrack, loudness = self._soundtrack(plan, infos, voices, layout)
        return writer.encode_sound(soundtrack), loudness
