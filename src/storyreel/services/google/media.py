"""Media work on Google: Veo clips (submit, poll, verify, save) and thumbnail images."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from storyreel.domain.text import MAX_VIDEO_PROMPT_CHARS, checked_text
from storyreel.errors import ConfigError, InputError, ProviderError
from storyreel.services.google import errors as gerr
from storyreel.services.google.files import image_size, mp4_duration, write_atomic
from storyreel.services.google.models import ImageResult, VideoRequest, VideoResult
from storyreel.services.google.paid_calls import MaybeBilled, PaidRetry, no_sdk_retries, send_paid
from storyreel.services.google.polling import PollSchedule, poll_until_done
from storyreel.services.google.protocol import GenaiClient
from storyreel.services.google.results import OperationFailed, image_payload, video_payload
from storyreel.settings import Settings

if TYPE_CHECKING:
    from google.genai import types

logger = logging.getLogger(__name__)

VIDEO_ASPECT_RATIOS = ("9:16", "16:9")
IMAGE_ASPECT_RATIOS = ("1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9")


class SubmitOutcomeUnknown(ProviderError):
    """The submit may or may not have reached Google (connection dropped/timed out after sending).

    Google may be generating, and billing, the clip; there is no operation name to poll.
    Submitting again may pay twice, which is why nothing retries this on its own.
    """


class MediaService:
    """Veo clips and thumbnail images through google-genai.

    ``sleep`` and ``clock`` are the waiting and timing functions (seams for tests).
    """

    def __init__(
        self,
        client: GenaiClient,
        settings: Settings,
        *,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._settings = settings
        self._sleep = sleep
        self._clock = clock
        self._paid_retry = PaidRetry(attempts=settings.google.max_retries + 1, sleep=sleep)

    def video_request(
        self, prompt: str, *, duration_seconds: int | None = None, aspect_ratio: str | None = None
    ) -> VideoRequest:
        """A VideoRequest for ``prompt``, the rest from ``settings.video``."""
        video = self._settings.video
        prompt = checked_text(prompt, "the video prompt", MAX_VIDEO_PROMPT_CHARS)
        duration = video.duration_seconds if duration_seconds is None else duration_seconds
        if duration not in (4, 6, 8):
            raise InputError(f"Veo makes clips of 4, 6 or 8 seconds, not {duration}")
        ratio = aspect_ratio or video.aspect_ratio
        if ratio not in VIDEO_ASPECT_RATIOS:
            raise InputError(
                f"Veo makes clips in {' or '.join(VIDEO_ASPECT_RATIOS)}, not {ratio!r}"
            )
        return VideoRequest(
            prompt=prompt,
            duration_seconds=duration,
            aspect_ratio=ratio,
            resolution=video.resolution,
            negative_prompt=video.negative_prompt,
            generate_audio=video.generate_audio,
        )

    async def submit_video(
        self,
        request: VideoRequest,
        *,
        label: str,
        on_refused: Callable[[ProviderError], None] | None = None,
        before_resend: Callable[[], None] | None = None,
    ) -> str:
        """Start generating one clip and return the operation name at once.

        Refusals (429/503, or no connection) are retried here with backoff, honouring
        Retry-After. Raises SubmitOutcomeUnknown when the request may have reached Google
        (a 500/502/504, a dropped connection or an unreadable answer): never retried here.

        A caller that keeps a ledger of possibly billed submits hears of each refusal before
        the wait (``on_refused``: nothing was billed) and of each resend before it goes out
        (``before_resend``), so that a crash during a long Retry-After is not taken for a
        submit of unknown outcome.
        """
        self._require_vertex(label)
        source, config = self._video_call(request)
        try:
            operation = await send_paid(
                lambda: self._client.aio.models.generate_videos(
                    model=self._settings.google.video_model, source=source, config=config
                ),
                retry=self._paid_retry,
                what=f"submitting {label}",
                label=label,
                on_refused=on_refused,
                before_resend=before_resend,
            )
        except MaybeBilled as maybe:
            raise _unknown(maybe.error) from maybe.__cause__
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
        finished = await poll_until_done(
            lambda: self._client.aio.operations.get(pending, config=poll_config),
            operation=operation,
            label=label,
            schedule=PollSchedule(video.poll_initial_s, video.poll_max_s, video.timeout_s),
            sleep=self._sleep,
            clock=self._clock,
            on_poll=on_poll,
        )
        return await self._save_video(finished, operation, dest, label)

    async def generate_thumbnail(
        self, prompt: str, dest: Path, *, aspect_ratio: str | None = None
    ) -> ImageResult:
        """Generate one image with the image model and write it (PNG or JPEG) to ``dest``."""
        from google.genai import types

        if not prompt.strip():
            raise InputError("the thumbnail prompt is empty")
        ratio = aspect_ratio or self._settings.video.aspect_ratio
        if ratio not in IMAGE_ASPECT_RATIOS:
            choices = ", ".join(IMAGE_ASPECT_RATIOS)
            raise InputError(f"unsupported image aspect ratio {ratio!r}: use one of {choices}")
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE"],
            image_config=types.ImageConfig(aspect_ratio=ratio),
            # Each image is billed: the client's retry policy must not repeat it blindly.
            http_options=no_sdk_retries(),
        )
        what = "the thumbnail"
        try:
            response = await send_paid(
                lambda: self._client.aio.models.generate_content(
                    model=self._settings.google.image_model, contents=prompt.strip(), config=config
                ),
                retry=self._paid_retry,
                what=f"making {what}",
                label=what,
            )
        except MaybeBilled as maybe:
            raise ProviderError(
                f"{maybe.error}. Google may have made (and billed) the image; it was not "
                "requested again",
                provider=gerr.PROVIDER,
                status=maybe.error.status if isinstance(maybe.error, ProviderError) else None,
                retryable=True,
            ) from maybe.__cause__
        payload = image_payload(response, what=what)
        try:
            width, height = image_size(payload.data)
        except ValueError as exc:
            raise ProviderError(
                f"the image for {what} could not be read ({exc}); nothing was saved",
                provider=gerr.PROVIDER,
            ) from exc
        await _write(dest, payload.data, what=what)
        return ImageResult(path=dest, mime_type=payload.mime_type, width=width, height=height)

    def _require_vertex(self, label: str) -> None:
        if not self._settings.google.vertexai:
            raise ConfigError(
                f"cannot make {label}: Veo is only offered in Vertex AI mode in google-genai 3.x, "
                "and google.vertexai is false. Set google.vertexai: true (or "
                "STORYREEL_GOOGLE__VERTEXAI=true) with GOOGLE_STUDIO_API_KEY (express mode) or "
                "google.project and Application Default Credentials"
            )

    def _video_call(
        self, request: VideoRequest
    ) -> tuple[types.GenerateVideosSource, types.GenerateVideosConfig]:
        from google.genai import types

        image = None
        if request.first_frame is not None:
            image = types.Image(
                image_bytes=request.first_frame, mime_type=request.first_frame_mime or "image/png"
            )
        source = types.GenerateVideosSource(prompt=request.prompt, image=image)
        config = types.GenerateVideosConfig(
            aspect_ratio=request.aspect_ratio,
            duration_seconds=request.duration_seconds,
            resolution=request.resolution,
            negative_prompt=request.negative_prompt,
            generate_audio=request.generate_audio,
            number_of_videos=1,
            output_gcs_uri=self._settings.video.output_gcs_uri,
            # A paid call: the client's retry policy must never repeat it blindly.
            http_options=no_sdk_retries(),
        )
        return source, config

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
        await _write(dest, payload.data, what=label, operation=operation)
        duration = await asyncio.to_thread(mp4_duration, dest)
        logger.info("%s: saved %d bytes to %s", label, len(payload.data), dest)
        return VideoResult(dest, operation, len(payload.data), duration, payload.uri)


async def _write(dest: Path, data: bytes, *, what: str, operation: str | None = None) -> None:
    try:
        await asyncio.to_thread(write_atomic, dest, data)
    except OSError as exc:
        again = f"; operation {operation} can be polled again to fetch it" if operation else ""
        raise InputError(f"cannot write {what} to {dest}: {exc.strerror or exc}{again}") from exc


def _unknown(error: ProviderError | ConfigError) -> SubmitOutcomeUnknown:
    status = error.status if isinstance(error, ProviderError) else None
    return SubmitOutcomeUnknown(
        f"{error}. Google may have accepted it and be generating (and billing) a clip "
        "with no operation name to poll",
        provider=gerr.PROVIDER,
        status=status,
        retryable=True,
    )


__all__ = [
    "GenaiClient",
    "ImageResult",
    "MediaService",
    "OperationFailed",
    "SubmitOutcomeUnknown",
    "VideoRequest",
    "VideoResult",
]
