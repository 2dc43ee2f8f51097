"""Media work on Google: Veo clips (submit, poll, verify, save) and images (thumbnails,
character sheets, keyframes)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from storyreel.errors import ProviderError
from storyreel.quota import VIDEO_POLL, VIDEO_SUBMIT, Limiter, WaitTally
from storyreel.services.google import errors as gerr
from storyreel.services.google.clip_files import save_clip
from storyreel.services.google.express import check_express_refusal, require_vertex
from storyreel.services.google.models import ImageResult, InputImage, VideoRequest, VideoResult
from storyreel.services.google.paid_calls import (
    MaybeBilled,
    PaidRetry,
    SubmitOutcomeUnknown,
    announced,
    no_sdk_retries,
    outcome_unknown,
    send_paid,
)
from storyreel.services.google.polling import (
    PollPace,
    PollSchedule,
    operation_model,
    poll_until_done,
)
from storyreel.services.google.protocol import GenaiClient
from storyreel.services.google.results import OperationFailed
from storyreel.services.google.throttling import google_throttle
from storyreel.services.google.thumbnails import IMAGE_ASPECT_RATIOS, make_thumbnail
from storyreel.services.google.video_calls import VIDEO_ASPECT_RATIOS, video_call, video_request
from storyreel.settings import Settings

logger = logging.getLogger(__name__)


class MediaService:
    """Veo clips and thumbnail images through google-genai.

    ``sleep`` and ``clock`` are the waiting and timing functions (seams for tests);
    ``limiter`` holds every call to its budget (unlimited unless the container passes one).
    """

    def __init__(
        self,
        client: GenaiClient,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        limiter: Limiter | None = None,
        video_client: GenaiClient | None = None,
    ) -> None:
        self._client = client
        self._video = video_client or client  # Veo's, when it goes another way than images
        self._limiter = limiter or Limiter.unlimited()
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._paid_retry = PaidRetry(attempts=settings.google.max_retries + 1, sleep=sleep)

    def video_request(
        self,
        prompt: str,
        *,
        duration_seconds: int | None = None,
        aspect_ratio: str | None = None,
        first_frame: InputImage | None = None,
        last_frame: InputImage | None = None,
    ) -> VideoRequest:
        """A VideoRequest for ``prompt``, the rest from ``settings.video``; ``first_frame``
        and ``last_frame`` (Veo 3.1, with a first frame) as Veo takes them, else InputError."""
        return video_request(
            self._settings.video,
            prompt,
            model=self._settings.google.video_model,
            duration_seconds=duration_seconds,
            aspect_ratio=aspect_ratio,
            first_frame=first_frame,
            last_frame=last_frame,
        )

    async def submit_video(
        self,
        request: VideoRequest,
        *,
        label: str,
        on_refused: Callable[[ProviderError], None] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> str:
        """Start generating one clip and return the operation name at once.

        Refusals (429/503, or no connection) are retried here with backoff, honouring
        Retry-After. Raises SubmitOutcomeUnknown when the request may have reached Google
        (a 500/502/504, a dropped connection or an unreadable answer): never retried here.

        A caller that keeps a ledger of possibly billed submits hears of each refusal before
        the wait (``on_refused``: nothing was billed) and of each request just before it goes
        out, its quota budget granted (``before_send``): a crash during a Retry-After or a
        wait for quota is not taken for a submit of unknown outcome.
        """
        require_vertex(self._settings, label)
        source, config = video_call(
            request,
            model=self._settings.google.video_model,
            output_gcs_uri=self._settings.video.output_gcs_uri,
        )
        try:
            operation = await send_paid(
                lambda: self._limiter.call(
                    VIDEO_SUBMIT,
                    self._settings.google.video_model,
                    lambda: announced(
                        before_send,
                        lambda: self._video.aio.models.generate_videos(
                            model=self._settings.google.video_model, source=source, config=config
                        ),
                    ),
                    throttled=google_throttle,
                ),
                retry=self._paid_retry,
                what=f"submitting {label}",
                label=label,
                on_refused=on_refused,
            )
        except MaybeBilled as maybe:
            raise outcome_unknown(maybe.error) from maybe.__cause__
        except ProviderError as error:
            check_express_refusal(error, self._settings, label)
            raise
        if not operation.name:
            raise SubmitOutcomeUnknown(
                f"Google accepted {label} but returned no operation name to poll",
                provider=gerr.PROVIDER,
                retryable=True,
            )
        logger.info("%s: submitted as %s", label, operation.name)
        return operation.name

    async def wait_video(
        self,
        operation: str,
        dest: Path,
        *,
        label: str,
        on_poll: Callable[[int], None] | None = None,
        pace: PollPace | None = None,
    ) -> VideoResult:
        """Poll ``operation`` (maybe another process's) until done, verify the MP4, write it to
        ``dest``. Transient poll failures are absorbed until ``video.timeout_s``; ``on_poll(n)``
        follows the n-th poll. With ``pace.first_s`` (seconds from now until the caller expects
        it done) the first poll comes then, the next every ``video.poll_fast_s``; else they
        back off from ``video.poll_initial_s``."""
        from google.genai import types

        require_vertex(self._settings, label)
        video = self._settings.video
        pending = types.GenerateVideosOperation.model_validate({"name": operation})
        # The poll loop below is the one layer that retries a poll, within video.timeout_s.
        poll_config = types.GetOperationConfig(http_options=no_sdk_retries())
        # Waits for poll budget are not the clip's time: the timeout's clock leaves them out.
        tally = WaitTally()
        finished = await poll_until_done(
            lambda: self._limiter.call(
                VIDEO_POLL,
                operation_model(operation),
                lambda: announced(
                    pace.sent if pace else None,
                    lambda: self._video.aio.operations.get(pending, config=poll_config),
                ),
                throttled=google_throttle,
                tally=tally,
            ),
            operation=operation,
            label=label,
            schedule=PollSchedule.of(video, pace),
            sleep=self._sleep,
            clock=lambda: self._clock() - tally.waited_s,
            on_poll=on_poll,
            pace=pace,
        )
        to_bucket = bool(self._settings.video.output_gcs_uri)
        return await save_clip(finished, operation, dest, label=label, to_bucket=to_bucket)

    async def generate_thumbnail(
        self,
        prompt: str,
        dest: Path,
        *,
        aspect_ratio: str | None = None,
        mime_type: str | None = None,
        inputs: Sequence[InputImage] = (),
    ) -> ImageResult:
        """Generate one image with the image model and write it to ``dest``, as made (PNG or
        JPEG) or converted to ``mime_type`` (PNG, JPEG or WebP); ``aspect_ratio`` defaults to
        ``video.aspect_ratio``; ``inputs`` (character sheets) are sent with the prompt."""
        return await self.draw_image(
            prompt,
            dest,
            inputs=inputs,
            aspect_ratio=aspect_ratio,
            mime_type=mime_type,
            what="the thumbnail",
        )

    async def draw_image(
        self,
        prompt: str,
        dest: Path,
        *,
        inputs: Sequence[InputImage] = (),
        aspect_ratio: str | None = None,
        mime_type: str | None = None,
        what: str,
    ) -> ImageResult:
        """One billed image from the image model, drawn from ``inputs`` (sent inline before
        the prompt) and ``prompt``, written to ``dest``; ``what`` names it in errors ("the
        sheet of Mara"). Same rules as :meth:`generate_thumbnail`: no blind resend."""
        return await make_thumbnail(
            self._client,
            model=self._settings.google.image_model,
            prompt=prompt,
            dest=dest,
            aspect_ratio=aspect_ratio or self._settings.video.aspect_ratio,
            retry=self._paid_retry,
            mime_type=mime_type,
            limiter=self._limiter,
            inputs=inputs,
            what=what,
        )


__all__ = [
    "IMAGE_ASPECT_RATIOS",
    "VIDEO_ASPECT_RATIOS",
    "GenaiClient",
    "ImageResult",
    "InputImage",
    "MediaService",
    "OperationFailed",
    "SubmitOutcomeUnknown",
    "VideoRequest",
    "VideoResult",
]
