"""Drawing one story's still images, all journaled: each character's sheet (drawn, or the
user's reference image copied), each segment's keyframe drawn with the sheets of the
characters it names; and each clip started from its keyframe as soon as that is ready."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from storyreel.domain.frames import (
    MAX_INPUT_IMAGES,
    cast_of,
    character_slugs,
    keyframe_prompt,
    sheet_prompt,
)
from storyreel.domain.story import Segment, Story
from storyreel.errors import StoryreelError
from storyreel.jobs.choices import ReelChoices
from storyreel.jobs.frame_files import copy_reference, read_image, to_png
from storyreel.jobs.frame_steps import (
    REFERENCE,
    keyframe_path,
    keyframe_step_key,
    reference_of,
    sheet_path,
    sheet_step_key,
)
from storyreel.jobs.frames_media import FramedMedia
from storyreel.jobs.journal import ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.models import THUMBNAIL_STEP, StepRecord, StepStatus, clip_step_key
from storyreel.jobs.ports import ClipMaker
from storyreel.jobs.together import all_or_none
from storyreel.logs import redact
from storyreel.services.google.models import InputImage
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

# A sheet is a standing portrait: taller than wide, whatever the video's shape.
SHEET_ASPECT_RATIO = "3:4"
# Runs one step's work given the media to use (plain, or giving frames or sheets).
Shoot = Callable[[ClipMaker], Coroutine[Any, Any, None]]
Work = tuple[Coroutine[Any, Any, None], str, int | None]


class Drawing:
    """One run's still images. :meth:`work` draws the sheets and keyframes concurrently (at
    most ``video.concurrency`` image calls at once); :meth:`clip` holds a clip back until
    its own keyframe (and, chaining, the next one) is ready, and :meth:`thumbnail` until the
    sheets are. A succeeded step is read from its file, never drawn again."""

    def __init__(
        self,
        media: ClipMaker,
        settings: Settings,
        story: Story,
        out_dir: Path,
        journal: StepJournal,
        report: ProgressCallback,
        choices: ReelChoices,
    ) -> None:
        self._media = media
        self._settings = settings
        self._story = story
        self._out_dir = out_dir
        self._journal = journal
        self._report = report
        self._choices = choices
        self._slugs = character_slugs(story.characters)
        self._images: dict[str, asyncio.Future[InputImage | None]] = {}
        self._limit = asyncio.Semaphore(settings.video.concurrency)

    def work(self) -> list[Work]:
        """The sheet and keyframe steps to run, each with its key and segment index (none
        when the job's choices leave keyframes out)."""
        if not self._choices.keyframes:
            return []
        sheets: list[Work] = [
            (self._sheet(name, slug), sheet_step_key(slug), None)
            for name, slug in self._slugs.items()
        ]
        frames: list[Work] = [
            (self._keyframe(s), keyframe_step_key(s.index), s.index) for s in self._story.segments
        ]
        return [*sheets, *frames]

    async def clip(self, segment: Segment, shoot: Shoot) -> None:
        """Film ``segment`` with ``shoot`` once its frames are ready. A clip already
        submitted (or made, or failed) needs no frame and is not held back; one whose
        keyframe could not be drawn is not submitted (nothing paid) and keeps its status."""
        step = self._journal.get(clip_step_key(segment.index))
        waits = step is not None and step.status in (StepStatus.PENDING, StepStatus.UNKNOWN)
        if step is None or not waits or not self._choices.keyframes:
            await shoot(self._media)
            return
        needed = [segment.index]
        if self._choices.chain_frames and segment.index < len(self._story.segments):
            needed.append(segment.index + 1)
        frames = [await self._image(keyframe_step_key(n)) for n in needed]
        missing = [n for n, image in zip(needed, frames, strict=True) if image is None]
        if self._journal.cancelled():
            return
        if missing:
            names = " and ".join(keyframe_step_key(n) for n in missing)
            why = f"not submitted: {names} not drawn; resume the job to draw it and film the clip"
            # Status kept: an unknown (maybe billed) clip made pending would be sent again.
            self._record(step.but(error=why), "failed")
            return
        last = frames[1] if len(frames) > 1 else None
        await shoot(FramedMedia(self._media, first=frames[0], last=last))

    async def reshoot(self, segment: Segment, shoot: Shoot) -> None:
        """Film ``segment`` again with ``shoot`` from its keyframe (and, chaining, the next
        one): a keyframe or sheet that succeeded is read from its file, one reset to
        ``pending`` is drawn again; nothing else is drawn."""
        if not self._choices.keyframes:
            return await shoot(self._media)
        chained = self._choices.chain_frames and segment.index < len(self._story.segments)
        needed = [segment, *self._story.segments[segment.index :][: int(chained)]]
        names = dict.fromkeys(c.name for s in needed for c in cast_of(self._story, s))
        work = [self._sheet(name, self._slugs[name]) for name in names]
        work += [self._keyframe(s) for s in needed]
        await all_or_none([*work, self.clip(segment, shoot)])

    async def thumbnail(self, shoot: Shoot) -> None:
        """Make the thumbnail with ``shoot``, given the sheets that were made (at most three:
        the image model's limit), so that the cover shows the same characters."""
        step = self._journal.get(THUMBNAIL_STEP)
        if step is None or step.status is StepStatus.SUCCEEDED or not self._choices.keyframes:
            return await shoot(self._media)
        sheets: list[tuple[str, InputImage]] = []
        for name, slug in self._slugs.items():
            image = await self._image(sheet_step_key(slug))
            if image is not None and len(sheets) < MAX_INPUT_IMAGES:
                sheets.append((name, image))
        await shoot(FramedMedia(self._media, sheets=sheets))

    # The steps.

    async def _sheet(self, name: str, slug: str) -> None:
        key = sheet_step_key(slug)
        character = next(c for c in self._story.characters if c.name == name)
        reference = reference_of(self._choices, name)

        async def make(step: StepRecord) -> StepRecord:
            if reference is not None and step.operation == REFERENCE:
                return await asyncio.to_thread(
                    copy_reference, step, Path(reference), self._out_dir, slug, name
                )
            prompt = sheet_prompt(character, self._story.style)
            what = f"the sheet of {name}"
            return await self._draw(step, prompt, (), SHEET_ASPECT_RATIO, what, sheet_path(slug))

        await self._settle(key, None, make)

    async def _keyframe(self, segment: Segment) -> None:
        key = keyframe_step_key(segment.index)
        cast = cast_of(self._story, segment)

        async def make(step: StepRecord) -> StepRecord:
            sheets = [await self._image(sheet_step_key(self._slugs[c.name])) for c in cast]
            lacking = [c.name for c, image in zip(cast, sheets, strict=True) if image is None]
            if lacking:
                why = f"not drawn: no sheet of {', '.join(lacking)}; resume the job to draw it"
                return step.but(status=StepStatus.PENDING, error=why)
            inputs = [image for image in sheets if image is not None]
            prompt = keyframe_prompt(self._story, segment, cast)
            ratio = self._settings.video.aspect_ratio
            what = f"the keyframe of segment {segment.index:02d}"
            return await self._draw(step, prompt, inputs, ratio, what, keyframe_path(segment.index))

        await self._settle(key, segment.index, make)

    async def _settle(
        self,
        key: str,
        index: int | None,
        make: Callable[[StepRecord], Coroutine[Any, Any, StepRecord]],
    ) -> None:
        """Run step ``key`` (unless it succeeded before) and publish its image to whatever
        waits for it: None when there is none, so that nothing waits forever."""
        future = self._future(key)
        try:
            step = self._journal.get(key)
            if step is None:
                raise AssertionError(f"step {key} was planned but is not in the journal")
            if step.status is StepStatus.SUCCEEDED:
                self._report(ProgressEvent(key, "skipped", index, detail="already made"))
            elif self._journal.cancelled():
                return
            else:
                step = await make(step)
                self._record(step, "done" if step.status is StepStatus.SUCCEEDED else "failed")
            if step.status is StepStatus.SUCCEEDED and step.artifact:
                path = self._out_dir / step.artifact
                future.set_result(await asyncio.to_thread(read_image, path))
        finally:
            if not future.done():
                future.set_result(None)

    async def _draw(
        self,
        step: StepRecord,
        prompt: str,
        inputs: Sequence[InputImage],
        aspect_ratio: str,
        what: str,
        artifact: str,
    ) -> StepRecord:
        """One billed image, recorded as the thumbnail is: the try is saved before the call
        is made, and its outcome after."""
        step = step.but(status=StepStatus.PENDING, attempts=step.attempts + 1, error=None)
        self._journal.save(step)
        self._report(ProgressEvent(step.key, "submitted", step.index))
        dest = self._out_dir / artifact
        try:
            async with self._limit:
                result = await self._media.draw_image(
                    prompt, dest, inputs=inputs, aspect_ratio=aspect_ratio, what=what
                )
            if result.mime_type != "image/png":
                await asyncio.to_thread(to_png, dest)
        except (StoryreelError, OSError) as exc:
            return step.but(status=StepStatus.FAILED, error=redact(str(exc)))
        except Exception as exc:
            logger.exception("unexpected error while drawing %s", what)
            return step.but(status=StepStatus.FAILED, error=redact(f"{type(exc).__name__}: {exc}"))
        return step.but(status=StepStatus.SUCCEEDED, artifact=artifact)

    def _future(self, key: str) -> asyncio.Future[InputImage | None]:
        loop = asyncio.get_running_loop()
        return self._images.setdefault(key, loop.create_future())

    async def _image(self, key: str) -> InputImage | None:
        # A step this run does not make (not planned) has no image to wait for.
        if key not in self._images and self._journal.get(key) is None:
            return None
        return await asyncio.shield(self._future(key))

    def _record(self, step: StepRecord, phase: str) -> StepRecord:
        self._journal.save(step)
        self._report(ProgressEvent(step.key, phase, step.index, detail=step.error or ""))
        return step


__all__ = ["SHEET_ASPECT_RATIO", "Drawing", "Work"]
