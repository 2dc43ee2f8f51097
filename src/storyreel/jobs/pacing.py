"""Polling when a clip is due: each model's operation time is learned from the operations the
job store has seen (storyreel.jobs.op_times), and a wait's first poll comes shortly before
the clip is expected."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from storyreel.domain.reel import ReelPlan, ReelResult
from storyreel.errors import ProviderError
from storyreel.jobs.activity import ActivityLog, Shape
from storyreel.jobs.media_relay import MediaRelay
from storyreel.jobs.op_times import Learned, fast_interval, learned_time
from storyreel.jobs.ports import ClipMaker, ReelAssembler
from storyreel.services.google.media import VideoRequest, VideoResult
from storyreel.services.google.polling import PollPace
from storyreel.settings import Settings


class PacedMedia(ClipMaker, Protocol):
    """The media service as :class:`PacedClips` drives it: its waits take a pace."""

    async def wait_video(
        self,
        operation: str,
        dest: Path,
        *,
        label: str,
        on_poll: Callable[[int], None] | None = None,
        pace: PollPace | None = None,
    ) -> VideoResult: ...


class PacedClips(MediaRelay):
    """A :class:`ClipMaker` that records each operation's submit and polls in ``log`` and
    asks for a wait whose first poll comes shortly (half a fast interval) before the clip is
    due; with no history for its model, resolution and length, the doubling schedule.

    When only the doubling schedule has seen that shape (its finish known within a cap, not
    within a fast interval), the first wait of the shape is a scout: it polls fast from the
    earliest the clip may be ready, and the others of the shape wait for what it finds.
    """

    def __init__(
        self,
        media: PacedMedia,
        log: ActivityLog,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(media)
        self._paced = media
        self._log = log
        self._settings = settings
        self._clock = clock
        # Operations submitted through this object: their polls were watched from the submit,
        # so their finish is known closely enough to learn from.
        self._watched: dict[str, float] = {}
        # Per shape, the scout under way: set once it has an answer (or none).
        self._scouts: dict[Shape, asyncio.Event] = {}

    async def submit_video(
        self,
        request: VideoRequest,
        *,
        label: str,
        on_refused: Callable[[ProviderError], None] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> str:
        operation = await self._media.submit_video(
            request, label=label, on_refused=on_refused, before_send=before_send
        )
        at = self._clock()
        self._watched[operation] = at
        shape = Shape(
            self._settings.google.video_model, request.resolution, request.duration_seconds
        )
        self._log.submitted(operation, shape, at)
        return operation

    async def first_poll_in(self, operation: str, scouting: list[Shape]) -> float | None:
        """Seconds from now until ``operation`` should first be polled; None: no history.
        A scout's shape is appended to ``scouting``."""
        row = self._log.operation(operation)
        if row is None:
            return None
        learned = learned_time(self._log, row.shape, self._settings)
        if learned is None:
            return None
        if not learned.close:
            scout = self._scouts.get(row.shape)
            if scout is None:
                self._scouts[row.shape] = asyncio.Event()
                scouting.append(row.shape)
                return max(row.submitted_at + learned.earliest_s - self._clock(), 0.0)
            latest = row.submitted_at + learned.latest_s - self._clock()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(scout.wait(), timeout=max(latest, 0.0))
            learned = learned_time(self._log, row.shape, self._settings) or learned
        return self._due_in(row.submitted_at, learned)

    def _due_in(self, submitted_at: float, learned: Learned) -> float:
        due = submitted_at + learned.expected_s - fast_interval(self._settings) / 2
        return max(due - self._clock(), 0.0)

    async def wait_video(
        self,
        operation: str,
        dest: Path,
        *,
        label: str,
        on_poll: Callable[[int], None] | None = None,
    ) -> VideoResult:
        # When each poll left: an answer may come late (a finished clip is a large download).
        polled_at: list[float] = []
        submitted = self._watched.pop(operation, None)
        scouting: list[Shape] = []

        def answered(done: bool) -> None:
            if done and submitted is not None and polled_at:
                before = polled_at[-2] - submitted if len(polled_at) > 1 else None
                self._log.found(operation, pending_s=before, done_s=polled_at[-1] - submitted)
            if done:
                self._release(scouting)

        try:
            started = self._clock()
            first = await self.first_poll_in(operation, scouting)
            pace = PollPace(
                first,
                sent=lambda: polled_at.append(self._clock()),
                answered=answered,
                waited_s=self._clock() - started,  # for the scout: part of video.timeout_s
            )
            try:
                result = await self._paced.wait_video(
                    operation, dest, label=label, on_poll=on_poll, pace=pace
                )
            except BaseException as exc:
                self._log.collected(operation, polls=len(polled_at), outcome=_outcome(exc))
                raise
            self._log.collected(operation, polls=len(polled_at), outcome="succeeded")
            return result
        finally:
            self._release(scouting)

    def _release(self, scouting: list[Shape]) -> None:
        # What the scout found is in the log (or it found nothing): the others go on.
        while scouting:
            self._scouts.pop(scouting.pop()).set()


def _outcome(exc: BaseException) -> str:
    if isinstance(exc, asyncio.CancelledError):
        return "stopped"
    if isinstance(exc, ProviderError) and exc.retryable:
        return "waiting"
    return "failed"


class TimedAssembler:
    """A :class:`ReelAssembler` whose every finished assembly is timed into ``log``."""

    def __init__(self, assembler: ReelAssembler, log: ActivityLog) -> None:
        self._assembler = assembler
        self._log = log

    def assemble(self, plan: ReelPlan, dest: Path) -> ReelResult:
        started = time.monotonic()
        result = self._assembler.assemble(plan, dest)
        self._log.assembled(time.monotonic() - started)
        return result

    def check_music(self, path: Path) -> float:
        return self._assembler.check_music(path)


def paced(media: PacedMedia, log: ActivityLog, settings: Settings) -> ClipMaker:
    """``media`` polling when clips are due (the container's way to build it)."""
    return PacedClips(media, log, settings)


def timed(assembler: ReelAssembler | None, log: ActivityLog) -> ReelAssembler | None:
    """``assembler`` timed into ``log``; None stays None (no reel is made)."""
    return None if assembler is None else TimedAssembler(assembler, log)


__all__ = ["PacedClips", "PacedMedia", "TimedAssembler", "paced", "timed"]
