"""The Cinematographer: films a story (one clip per segment concurrently, the thumbnail, each
narration read aloud) and assembles the reel."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from storyreel.domain.story import Segment, Story, Usage
from storyreel.jobs.assembly import (
    ReelNotReady,
    ReelOptions,
    assemble_step,
    plan_reel,
    record_failure,
    same_reel,
)
from storyreel.jobs.choices import ReelChoices, reel_choices
from storyreel.jobs.drawing import Drawing
from storyreel.jobs.filming import Filming
from storyreel.jobs.frame_files import check_frames
from storyreel.jobs.journal import MemoryJournal, ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.manifest import (
    STORY_FILENAME,
    Manifest,
    build_manifest,
    write_manifest,
    write_story,
)
from storyreel.jobs.models import THUMBNAIL_STEP, StepKind, StepRecord, StepStatus, clip_step_key
from storyreel.jobs.planning import planned_steps
from storyreel.jobs.ports import ClipMaker, ReelAssembler, Voice
from storyreel.jobs.quota_waits import ClipSlots, reporting_waits
from storyreel.jobs.reel_manifest import ASSEMBLE_STEP, ReelEntry, voice_step_key
from storyreel.jobs.together import all_or_none
from storyreel.jobs.voicing import Voicing, voice_steps
from storyreel.quota import Limiter
from storyreel.settings import Settings

__all__ = ["Cinematographer", "ClipMaker", "planned_steps"]


class Cinematographer:
    """Films a story: every segment's clip concurrently (at most ``video.concurrency`` at
    once), the thumbnail and the narrations alongside, then the reel and a manifest. A failed
    segment never stops the others.

    The steps go to a journal (a job's store when run as a job): a submitted operation is
    recorded before it is polled, so a later run re-polls it instead of paying again.
    Without a ``voice`` nothing is narrated; without an ``assembler`` no reel is made.
    ``limiter`` (unlimited by default) caps the operations running at once across jobs;
    steps waiting for its budgets report ``quota`` progress.
    """

    def __init__(
        self,
        media: ClipMaker,
        settings: Settings,
        *,
        voice: Voice | None = None,
        assembler: ReelAssembler | None = None,
        limiter: Limiter | None = None,
    ) -> None:
        self._limiter = limiter or Limiter.unlimited()
        self._media = media
        self._settings = settings
        self._voice = voice
        self._assembler = assembler

    @property
    def assembles(self) -> bool:
        """Whether a reel assembler was given (else no reel is ever planned)."""
        return self._assembler is not None

    def plan(self, story: Story, choices: ReelChoices) -> list[StepRecord]:
        """Every step of filming ``story`` with ``choices``: clips, thumbnail, the voice
        steps (narration on) and the assemble step (reel on)."""
        steps = planned_steps(story, choices)
        if choices.narration and self._voice is not None:
            steps += voice_steps(story)
        if choices.reel and self._assembler is not None:
            steps.append(StepRecord(key=ASSEMBLE_STEP, kind=StepKind.ASSEMBLE))
        return steps

    def job_choices(self, choices: ReelChoices | None = None) -> ReelChoices:
        """``choices`` (the settings' when None) as this Cinematographer can honour them (no
        narration without a voice, no reel without an assembler), checked before anything is
        paid: music that is missing or not audio, or a reference image Google would not take,
        is an InputError."""
        chosen = choices or reel_choices(self._settings)
        # What cannot be made here is neither promised nor priced.
        narration, reel = chosen.narration and self._voice is not None, chosen.reel
        chosen = chosen.model_copy(update={"narration": narration, "reel": reel and self.assembles})
        if chosen.reel and chosen.music_path is not None and self._assembler is not None:
            self._assembler.check_music(chosen.music_path)
        check_frames(chosen, self._settings.google.video_model)  # reference images readable
        return chosen

    async def generate_full_content_videos(
        self,
        story: Story,
        out_dir: Path,
        *,
        journal: StepJournal | None = None,
        progress: ProgressCallback | None = None,
        job_id: str | None = None,
        usage: Usage | None = None,
        reasons: Sequence[str] = (),
    ) -> Manifest:
        """Film ``story`` outside a job: write ``out_dir/story.json``, make what ``journal``
        says is still missing, assemble the reel, and write ``out_dir/manifest.json``.

        Clips go to ``out_dir/clips/segment-NN.mp4``, the thumbnail to
        ``out_dir/thumbnail.png``, narrations to ``out_dir/audio/segment-NN.wav``, the reel
        to ``out_dir/reel.mp4``. Cancelling the call stops polling; operations already
        submitted stay recorded as ``submitted`` for a later run to collect.
        """
        journal = journal if journal is not None else MemoryJournal()
        if not (out_dir / STORY_FILENAME).exists():
            write_story(out_dir, story)
        await self.film(story, out_dir, journal=journal, progress=progress)
        reel = await self.assemble(story, out_dir, journal=journal, progress=progress)
        manifest = build_manifest(
            job_id=job_id,
            story=story,
            steps=journal.steps(),
            settings=self._settings,
            usage=usage,
            reasons=reasons,
            folder=out_dir,
            reel=reel,
        )
        write_manifest(out_dir, manifest)
        return manifest

    async def film(
        self,
        story: Story,
        out_dir: Path,
        *,
        journal: StepJournal,
        progress: ProgressCallback | None = None,
        choices: ReelChoices | None = None,
    ) -> None:
        """Make what ``journal`` says is still missing: every clip, the thumbnail and each
        narration (the reel comes after, from :meth:`assemble`). The story and manifest
        files are the caller's (the job layer writes each once)."""
        report, chosen = progress or _ignore, choices or reel_choices(self._settings)
        journal.add(self.plan(story, chosen))
        limit = ClipSlots(asyncio.Semaphore(self._settings.video.concurrency), self._limiter)
        # Operations already submitted go first, so that they take the first slots.
        order = sorted(story.segments, key=lambda s: _rank(journal.get(clip_step_key(s.index))))
        drawing = Drawing(self._media, self._settings, story, out_dir, journal, report, chosen)

        def shots(media: ClipMaker) -> Filming:
            return Filming(media, self._settings, story, out_dir, journal, report)

        def told(work: Coroutine[Any, Any, None], key: str, index: int | None) -> Any:
            return reporting_waits(work, report, key=key, index=index, job_id=journal.job_id)

        async def clip(segment: Segment) -> None:  # as soon as its own keyframe is ready
            await drawing.clip(segment, lambda media: shots(media).clip(segment, limit))

        work = [told(*item) for item in drawing.work()]
        work += [told(clip(s), clip_step_key(s.index), s.index) for s in order]
        work.append(
            told(drawing.thumbnail(lambda media: shots(media).thumbnail()), THUMBNAIL_STEP, None)
        )
        if self._voice is not None:
            voices = asyncio.Semaphore(self._settings.video.concurrency)
            reading = Voicing(self._voice, out_dir, journal, report, voices)
            work += [
                told(reading.segment(s), voice_step_key(s.index), s.index) for s in story.segments
            ]
        await all_or_none(work)

    async def reshoot(
        self,
        story: Story,
        out_dir: Path,
        index: int,
        *,
        journal: StepJournal,
        progress: ProgressCallback | None = None,
        choices: ReelChoices | None = None,
    ) -> None:
        """Film segment ``index`` as its step says (reset it to ``pending`` to film it
        again): one clip, from its keyframe when the job has keyframes (drawn only if its
        step was reset too, e.g. for a new prompt)."""
        segment, report = story.segments[index - 1], progress or _ignore
        chosen = choices or reel_choices(self._settings)
        drawing = Drawing(self._media, self._settings, story, out_dir, journal, report, chosen)
        limit = ClipSlots(asyncio.Semaphore(1), self._limiter)

        def shoot(media: ClipMaker) -> Coroutine[Any, Any, None]:
            return Filming(media, self._settings, story, out_dir, journal, report).clip(
                segment, limit
            )

        clip = drawing.reshoot(segment, shoot)
        await reporting_waits(
            clip, report, key=clip_step_key(index), index=index, job_id=journal.job_id
        )

    async def assemble(
        self,
        story: Story,
        out_dir: Path,
        *,
        journal: StepJournal,
        progress: ProgressCallback | None = None,
        choices: ReelChoices | None = None,
        previous: ReelEntry | None = None,
        options: ReelOptions | None = None,
        job_id: str | None = None,
    ) -> ReelEntry | None:
        """Assemble ``out_dir/reel.mp4`` when the journal plans it; its manifest entry, or
        None when there is none (the step says why). ``previous`` (the entry of the reel
        already made) is kept when nothing it was made from has changed; without it the
        reel is assembled again. ``options`` override the job's and the settings' choices."""
        step = journal.get(ASSEMBLE_STEP)
        if step is None or self._assembler is None or journal.cancelled():
            return None
        report = progress or _ignore
        chosen = choices or reel_choices(self._settings)
        try:
            plan = plan_reel(
                story, journal.steps(), out_dir, self._settings, chosen, options, job_id=job_id
            )
        except ReelNotReady as exc:
            record_failure(journal, report, step, str(exc))
            return None
        made = step.status is StepStatus.SUCCEEDED
        if made and previous is not None and same_reel(previous, plan):
            report(ProgressEvent(step.key, "skipped", detail="already assembled"))
            return previous
        return await assemble_step(self._assembler, plan, out_dir, journal, report)


def _rank(step: StepRecord | None) -> int:
    return 0 if step is not None and step.status is StepStatus.SUBMITTED else 1


def _ignore(event: ProgressEvent) -> None:
    """A progress callback that shows nothing."""
