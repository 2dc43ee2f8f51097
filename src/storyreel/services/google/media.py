"""Media work on Google: Veo clips (submit, poll, verify, save) and thumbnail images."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storyreel.errors import ConfigError, ProviderError
from storyreel.quota import VIDEO_POLL, VIDEO_SUBMIT, Limiter, WaitTally
from storyreel.services.google import errors as gerr
from storyreel.services.google.express import check_express_refusal
from storyreel.services.google.files import mp4_duration, save_media
from storyreel.services.google.models import ImageResult, VideoRequest, VideoResult
from storyreel.services.google.paid_calls import (
    MaybeBilled,
    PaidRetry,
    SubmitOutcomeUnknown,
    announced,
    no_sdk_retries,
    outcome_unknown,
    send_paid,
)
from storyreel.services.google.polling import PollSchedule, poll_until_done
from storyreel.services.google.protocol import GenaiClient
from storyreel.services.google.results import OperationFailed, video_payload
from storyreel.services.google.throttling import google_throttle
from storyreel.services.google.thumbnails import IMAGE_ASPECT_RATIOS, make_thumbnail
from storyreel.services.google.video_calls import VIDEO_ASPECT_RATIOS, video_call, video_request
from storyreel.settings import Settings

if TYPE_CHECKING:
    from google.genai import types

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
        self, prompt: str, *, duration_seconds: int | None = None, aspect_ratio: str | None = None
    ) -> VideoRequest:
        """A VideoRequest for ``prompt``, the rest from ``settings.video``."""
        return video_request(
            self._settings.video,
            prompt,
            model=self._settings.google.video_model,
            duration_seconds=duration_seconds,
            aspect_ratio=aspect_ratio,
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
        self._require_vertex(label)
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
    ) -> VideoResult:
        """Poll ``operation`` until it finishes, then verify the MP4 and write it to ``dest``.

        Works for an operation submitted by another process (a resumed job). Transient
        poll failures are absorbed until ``video.timeout_s``; ``on_poll(n)`` is called
        after the n-th poll.
        """
        from google.genai import types

        self._require_vertex(label)
        video = self._settings.video
        pending = types.GenerateVideosOperation.model_validate({"name": operation})
        # The poll loop below is the one layer that retries a poll, within video.timeout_s.
        poll_config = types.GetOperationConfig(http_options=no_sdk_retries())
        # Waits for poll budget are not the clip's time: the timeout's clock leaves them out.
        tally = WaitTally()
        finished = await poll_until_done(
            lambda: self._limiter.call(
                VIDEO_POLL,
                _operation_model(operation),
                lambda: self._video.aio.operations.get(pending, config=poll_config),
                throttled=google_throttle,
                tally=tally,
            ),
            operation=operation,
            label=label,
            schedule=PollSchedule(video.poll_initial_s, video.poll_max_s, video.timeout_s),
            sleep=self._sleep,
            clock=lambda: self._clock() - tally.waited_s,
            on_poll=on_poll,
        )
        return await self._save_video(finished, operation, dest, label)

    async def generate_thumbnail(
        self,
        prompt: str,
        dest: Path,
        *,
        aspect_ratio: str | None = None,
        mime_type: str | None = None,
    ) -> ImageResult:
        """Generate one image with the image model and write it to ``dest``, as made (PNG or
        JPEG) or converted to ``mime_type`` (PNG, JPEG or WebP); ``aspect_ratio`` defaults to
        ``video.aspect_ratio``."""
        return await make_thumbnail(
            self._client,
            model=self._settings.google.image_model,
            prompt=prompt,
            dest=dest,
            aspect_ratio=aspect_ratio or self._settings.video.aspect_ratio,
            retry=self._paid_retry,
            mime_type=mime_type,
            limiter=self._limiter,
        )

    def _require_vertex(self, label: str) -> None:
        if not self._settings.google.vertexai:
            raise ConfigError(
                f"cannot make {label}: Veo is only offered in Vertex AI mode in google-genai 3.x, "
                "and google.vertexai is false. Set google.vertexai: true (or "
                "STORYREEL_GOOGLE__VERTEXAI=true) with GOOGLE_STUDIO_API_KEY (express mode) or "
                "google.project and Application Default Credentials"
            )

    async def _save_video(
        self, finished: types.GenerateVideosOperation, operation: str, dest: Path, label: str
    ) -> VideoResult:
        payload = video_payload(finished, label=label)
        if payload.data is None:
            if not self._settings.video.output_gcs_uri:
                raise OperationFailed(
                    f"Veo returned only a link for {label} ({payload.uri}) and no bytes",
                    provider=gerr.PROVIDER,
                )
            return VideoResult(dest, operation, 0, None, payload.uri)
        await save_media(dest, payload.data, what=label, operation=operation)
        duration = await asyncio.to_thread(mp4_duration, dest)
        logger.info("%s: saved %d bytes to %s", label, len(payload.data), dest)
        return VideoResult(dest, operation, len(payload.data), duration, payload.uri)


def _operation_model(operation: str) -> str:
    # ".../models/{model}/operations/{id}": polls draw from the budget of the model polled.
    head, _, _ = operation.partition("/operations/")
    return head.rpartition("/models/")[2] or head


__all__ = [
    "IMAGE_ASPECT_RATIOS",
    "VIDEO_ASPECT_RATIOS",
    "GenaiClient",
    "ImageResult",
    "MediaService",
    "OperationFailed",
    "SubmitOutcomeUnknown",
    "VideoRequest",
    "VideoResult",
]
