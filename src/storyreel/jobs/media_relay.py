"""The base of the wrappers around the media service that change one call each (frames for
a clip, pacing for its polls): every other call, and every argument, passes as given."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from storyreel.errors import ProviderError
from storyreel.jobs.ports import ClipMaker
from storyreel.services.google.models import ImageResult, InputImage, VideoRequest, VideoResult


class MediaRelay:
    """A :class:`ClipMaker` that hands each call to ``media`` unchanged.

    A wrapper overrides the calls it changes and inherits the rest, so that an argument added
    to the port reaches the media service through every wrapper, not only through the ones
    that remembered to pass it on.
    """

    def __init__(self, media: ClipMaker) -> None:
        self._media = media

    def video_request(
        self,
        prompt: str,
        *,
        duration_seconds: int | None = None,
        aspect_ratio: str | None = None,
        first_frame: InputImage | None = None,
        last_frame: InputImage | None = None,
    ) -> VideoRequest:
        return self._media.video_request(
            prompt,
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
        return await self._media.submit_video(
            request, label=label, on_refused=on_refused, before_send=before_send
        )

    async def wait_video(
        self,
        operation: str,
        dest: Path,
        *,
        label: str,
        on_poll: Callable[[int], None] | None = None,
    ) -> VideoResult:
        return await self._media.wait_video(operation, dest, label=label, on_poll=on_poll)

    async def generate_thumbnail(
        self,
        prompt: str,
        dest: Path,
        *,
        aspect_ratio: str | None = None,
        inputs: Sequence[InputImage] = (),
    ) -> ImageResult:
        return await self._media.generate_thumbnail(
            prompt, dest, aspect_ratio=aspect_ratio, inputs=inputs
        )

    async def draw_image(
        self,
        prompt: str,
        dest: Path,
        *,
        inputs: Sequence[InputImage] = (),
        aspect_ratio: str | None = None,
        what: str,
    ) -> ImageResult:
        return await self._media.draw_image(
            prompt, dest, inputs=inputs, aspect_ratio=aspect_ratio, what=what
        )


__all__ = ["MediaRelay"]
