"""The media service as one clip or the thumbnail sees it once its images are drawn: the
clip's request carries its keyframe (and the next one), the thumbnail the character sheets."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from storyreel.jobs.media_relay import MediaRelay
from storyreel.jobs.ports import ClipMaker
from storyreel.services.google.models import ImageResult, InputImage, VideoRequest


class FramedMedia(MediaRelay):
    """``media`` with ``first`` (and ``last``) frames added to every video request, and
    ``sheets`` (a character's name and sheet each) given to the thumbnail."""

    def __init__(
        self,
        media: ClipMaker,
        *,
        first: InputImage | None = None,
        last: InputImage | None = None,
        sheets: Sequence[tuple[str, InputImage]] = (),
    ) -> None:
        super().__init__(media)
        self._first = first
        self._last = last
        self._sheets = list(sheets)

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
            first_frame=first_frame or self._first,
            last_frame=last_frame or self._last,
        )

    async def generate_thumbnail(
        self,
        prompt: str,
        dest: Path,
        *,
        aspect_ratio: str | None = None,
        inputs: Sequence[InputImage] = (),
    ) -> ImageResult:
        if self._sheets and not inputs:
            names = ", ".join(name.strip() for name, _ in self._sheets)
            prompt = (
                f"{prompt.rstrip()} The reference images show, in this order: {names}; draw "
                "them exactly as shown there."
            )
            inputs = [sheet for _, sheet in self._sheets]
        return await self._media.generate_thumbnail(
            prompt, dest, aspect_ratio=aspect_ratio, inputs=inputs
        )


__all__ = ["FramedMedia"]
