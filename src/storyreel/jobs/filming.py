"""Filming one story: each clip's submit, poll and save, and the thumbnail, all journaled."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from pathlib import Path

from storyreel.domain.shots import clip_prompt, thumbnail_prompt
from storyreel.domain.story import Segment, Story
from storyreel.errors import ContentBlockedError, ProviderError, StoryreelError
from storyreel.jobs.journal import ProgressCallback, ProgressEvent, StepJournal
from storyreel.jobs.manifest import THUMBNAIL_FILENAME
from storyreel.jobs.models import THUMBNAIL_STEP, StepRecord, StepStatus, clip_path, clip_step_key
from storyreel.jobs.ports import ClipMaker
from storyreel.jobs.quota_waits import ClipLimit
from storyreel.jobs.store import LeaseLost
from storyreel.jobs.submit_ledger import SubmitLedger
from storyreel.logs import redact
from storyreel.services.google.media import OperationFailed, SubmitOutcomeUnknown, VideoRequest
from storyreel.services.google.polling import OperationGone
from storyreel.settings import Settings

logger = logging.getLogger(__name__)

# A submit of unknown outcome is sent again at most this often in a run (counted); resume may.
MAX_RESUBMITS_PER_RUN = 1


class Filming:
    """One run's work on a story: each method films one thing and records every change."""

    def __init__(
        self,
        media: ClipMaker,
        settings: Settings,
        story: Story,
        out_dir: Path,
        journal: StepJournal,
        report: ProgressCallback,
    ) -> None:
        self._media = media
        self._settings = settings
        self._story = story
        self._out_dir = out_dir
        self._journal = journal
        self._report = report

    def _step(self, key: str) -> StepRecord:
        step = self._journal.get(key)
        if step is None:
            raise AssertionError(f"step {key} was planned but is not in the journal")
        return step

    async def clip(self, segment: Segment, limit: ClipLimit) -> None:
        key, index = clip_step_key(segment.index), segment.index
        step = self._step(key)
        if step.status is StepStatus.SUCCEEDED:
            self._report(ProgressEvent(key, "skipped", index, detail="already made"))
            return
        if step.status is StepStatus.FAILED:
            # A failure after Google took the request: running it again would pay again.
            self._report(ProgressEvent(key, "failed", index, detail=step.error or ""))
            return
        self._report(ProgressEvent(key, "queued", index))
        async with limit:
            if step.status in (StepStatus.PENDING, StepStatus.UNKNOWN):
                step = await self._submit(step, segment)
            if step.status is StepStatus.SUBMITTED:
                await self._collect(step, segment)

    async def _submit(self, step: StepRecord, segment: Segment) -> StepRecord:
        label = f"segment {segment.index:02d}"
        resubmit = self._settings.video.resubmit_on_unknown
        if step.status is StepStatus.UNKNOWN and not resubmit:
            return self._fail_unknown(step, "not resubmitted: video.resubmit_on_unknown is false")
        try:
            request = self._media.video_request(
                clip_prompt(self._story, segment), duration_seconds=segment.duration_seconds
            )
        except StoryreelError as exc:
            return self._record(step.but(status=StepStatus.FAILED, error=str(exc)), "failed")
        for _ in range(MAX_RESUBMITS_PER_RUN + 1):
            if self._journal.cancelled():
                return step
            ledger = SubmitLedger(self._journal, step)
            step = await self._send(ledger, request, label)
            if step.status is not StepStatus.UNKNOWN or not resubmit:
                return step
            self._report(ProgressEvent(step.key, "retrying", step.index, detail=step.error or ""))
        return step

    async def _send(self, ledger: SubmitLedger, request: VideoRequest, label: str) -> StepRecord:
        sending = asyncio.ensure_future(
            self._media.submit_video(
                request, label=label, on_refused=ledger.refused, before_send=ledger.sending
            )
        )
        try:
            await asyncio.shield(sending)
        except asyncio.CancelledError:
            # A submit on its way may finish, so its outcome is recorded (past the grace it stays
            # "unknown": possibly billed); one still waiting for quota has not left: dropped.
            if ledger.sent:
                await _outlast_cancels(sending, self._settings.jobs.stop_grace_s)
            if not sending.done():
                sending.cancel()
                await asyncio.wait({sending})
            if ledger.sent:
                self._settle(ledger.step, sending, label)
            raise
        except Exception:  # noqa: S110 - the outcome is read from the future just below
            pass
        return self._settle(ledger.step, sending, label)

    def _settle(self, step: StepRecord, sending: asyncio.Future[str], label: str) -> StepRecord:
        """Record what a finished submit did."""
        if sending.cancelled():
            why = "stopped before Google answered; it may have accepted (and billed) the clip"
            return self._record(step.but(error=why), "unknown")
        exc = sending.exception()
        if exc is None:
            try:
                return self._submitted(step, sending.result())
            except LeaseLost:
                # Google took the clip after this process lost the job: hand its operation
                # to the new owner if it has not acted on this clip yet, so it is collected,
                # not paid for again.
                outcome = step.but(status=StepStatus.SUBMITTED, operation=sending.result())
                if self._journal.salvage(outcome):
                    logger.warning(
                        "%s: recorded %s for the job's new owner", label, outcome.operation
                    )
                raise
        if isinstance(exc, SubmitOutcomeUnknown):
            return self._record(step.but(error=str(exc)), "unknown")
        if isinstance(exc, StoryreelError):
            # Certainly not accepted: nothing was billed, a later run may try again.
            undone = step.but(
                status=StepStatus.PENDING, submissions=step.submissions - 1, error=str(exc)
            )
            return self._record(undone, "failed")
        logger.error("%s: unexpected error while submitting: %r", label, exc)
        return self._record(step.but(error=redact(f"outcome unknown: {exc!r}")), "unknown")

    def _submitted(self, step: StepRecord, operation: str) -> StepRecord:
        return self._record(
            step.but(status=StepStatus.SUBMITTED, operation=operation, error=None), "submitted"
        )

    def _fail_unknown(self, step: StepRecord, why: str) -> StepRecord:
        error = f"{step.error}; {why}" if step.error else f"submit outcome unknown; {why}"
        return self._record(step.but(error=error), "failed")

    async def _collect(self, step: StepRecord, segment: Segment) -> None:
        assert step.operation is not None
        path = clip_path(segment.index)

        def polled(polls: int) -> None:
            self._report(ProgressEvent(step.key, "polling", step.index, polls=polls))

        self._report(ProgressEvent(step.key, "polling", step.index, detail=step.operation))
        try:
            result = await self._media.wait_video(
                step.operation,
                self._out_dir / path,
                label=f"segment {segment.index:02d}",
                on_poll=polled,
            )
        except ContentBlockedError as exc:
            reasons = "; ".join(exc.reasons)
            detail = f"{exc}" if not reasons or reasons in str(exc) else f"{exc} ({reasons})"
            self._record(step.but(status=StepStatus.FAILED, error=redact(detail)), "failed")
        except OperationFailed as exc:
            # The operation itself ended without a clip: final.
            self._record(step.but(status=StepStatus.FAILED, error=redact(str(exc))), "failed")
        except OperationGone as exc:
            # Google no longer knows the operation: final; only a new (paid) clip can help.
            job, n = self._journal.job_id, segment.index
            again = f"; film it again with: storyreel reshoot {job} --segment {n}" if job else ""
            gone = step.but(status=StepStatus.FAILED, error=redact(f"{exc}{again}"))
            self._record(gone, "failed")
        except StoryreelError as exc:
            # Polling failed (a timeout, credentials, an unwritable folder), not the clip:
            # the operation stays recorded, and a resume polls it again without paying.
            phase = "waiting" if isinstance(exc, ProviderError) and exc.retryable else "failed"
            self._record(step.but(error=redact(str(exc))), phase)
        except Exception as exc:
            logger.exception("segment %02d: unexpected error while collecting", segment.index)
            self._record(step.but(error=redact(f"{type(exc).__name__}: {exc}")), "failed")
        else:
            artifact = path if result.bytes or not result.uri else result.uri
            done = step.but(status=StepStatus.SUCCEEDED, artifact=artifact, error=None)
            self._record(done, "done")

    async def thumbnail(self) -> None:
        step = self._step(THUMBNAIL_STEP)
        if step.status is StepStatus.SUCCEEDED:
            self._report(ProgressEvent(step.key, "skipped", detail="already made"))
            return
        if self._journal.cancelled():
            return
        step = step.but(status=StepStatus.PENDING, attempts=step.attempts + 1, error=None)
        self._journal.save(step)
        self._report(ProgressEvent(step.key, "submitted"))
        dest = self._out_dir / THUMBNAIL_FILENAME
        try:
            result = await self._media.generate_thumbnail(
                thumbnail_prompt(self._story), dest, aspect_ratio=self._settings.video.aspect_ratio
            )
            if result.mime_type != "image/png":
                await asyncio.to_thread(_convert_to_png, dest)
        except (StoryreelError, OSError) as exc:
            self._record(step.but(status=StepStatus.FAILED, error=redact(str(exc))), "failed")
        except Exception as exc:
            logger.exception("unexpected error while making the thumbnail")
            error = redact(f"{type(exc).__name__}: {exc}")
            self._record(step.but(status=StepStatus.FAILED, error=error), "failed")
        else:
            done = step.but(status=StepStatus.SUCCEEDED, artifact=THUMBNAIL_FILENAME)
            self._record(done, "done")

    def _record(self, step: StepRecord, phase: str) -> StepRecord:
        self._journal.save(step)
        self._report(ProgressEvent(step.key, phase, step.index, detail=step.error or ""))
        return step


async def _outlast_cancels(sending: asyncio.Future[str], grace_s: float) -> None:
    """Wait up to ``grace_s`` for ``sending``, however often this task is cancelled
    meanwhile (each sibling that stops cancels the others once more)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace_s
    while not sending.done() and (left := deadline - loop.time()) > 0:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait({sending}, timeout=left)


def _convert_to_png(path: Path) -> None:
    """Keep the folder's contract (``thumbnail.png``) when the model answered with a JPEG."""
    from PIL import Image

    from storyreel.files import write_atomic

    with Image.open(path) as image:
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
    write_atomic(path, buffer.getvalue())
