"""Recording fakes of the media service and the screenwriter, and story builders."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from storyreel.domain.story import Character, Segment, Story, Usage
from storyreel.errors import ProviderError
from storyreel.services.google.media import ImageResult, InputImage, VideoRequest, VideoResult
from storyreel.services.google.polling import PollPace
from storyreel.services.openrouter.models import WrittenStory

# An ISO BMFF header: what the media service checks before saving a clip.
FAKE_MP4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 64


def png_bytes(size: tuple[int, int] = (9, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def make_story(
    segments: int = 3,
    *,
    duration: int = 4,
    style: str | None = None,
    characters: list[Character] | None = None,
    prompts: list[str] | None = None,
) -> Story:
    return Story(
        title="The Keeper and the Storm",
        logline="A lonely lighthouse keeper learns to talk to a storm.",
        style=style,
        characters=characters or [],
        segments=[
            Segment(
                index=i,
                narration=f"Narration {i}.",
                visual_prompt=(prompts[i - 1] if prompts else f"Shot {i}: the sea at night."),
                duration_seconds=duration,  # type: ignore[arg-type]
            )
            for i in range(1, segments + 1)
        ],
    )


class FakeWriter:
    """The Screenwriter: returns a fixed story with usage, records each call."""

    def __init__(self, *, error: Exception | None = None, style: str | None = None) -> None:
        self.calls: list[dict[str, Any]] = []
        self.error = error
        self.style = style

    async def build_story(
        self,
        idea: str,
        *,
        segments: int = 5,
        style: str | None = None,
        characters: Any = None,
        duration_seconds: int | None = None,
    ) -> WrittenStory:
        self.calls.append(
            {
                "idea": idea,
                "segments": segments,
                "style": style,
                "characters": characters,
                "duration_seconds": duration_seconds,
            }
        )
        if self.error is not None:
            raise self.error
        story = make_story(segments, duration=duration_seconds or 8, style=style)
        return WrittenStory(
            **dict(story), usage=Usage(prompt_tokens=100, completion_tokens=50, cost_usd=0.0021)
        )


@dataclass(frozen=True)
class Drawn:
    """One image the fake media service drew."""

    what: str
    prompt: str
    inputs: list[InputImage]
    aspect_ratio: str | None
    dest: Path


class FakeMedia:
    """The media service: records submits, polls and thumbnails; writes tiny files.

    ``submit_errors[label]`` and ``wait_errors[label]`` are queues of exceptions raised by
    the next calls for that segment label ("segment 02"); ``before_wait(label, operation)``
    runs before a wait starts (to check what the store holds at that moment).
    """

    def __init__(self, *, latency_s: float = 0.0, submit_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.submit_s = submit_s
        self.submits: list[tuple[str, VideoRequest]] = []
        self.waits: list[tuple[str, str]] = []
        self.thumbnails: list[str] = []
        self.submit_errors: dict[str, list[BaseException]] = {}
        self.wait_errors: dict[str, list[BaseException]] = {}
        self.thumbnail_errors: list[BaseException] = []
        self.thumbnail_inputs: list[list[InputImage]] = []
        # Images drawn (sheets, keyframes), and errors by what they are ("the sheet of Mara").
        self.drawings: list[Drawn] = []
        self.draw_errors: dict[str, list[BaseException]] = {}
        self.draw_s = 0.0
        # Refusals the media service retries itself: (label, check) runs during the wait.
        self.refusals: dict[str, int] = {}
        self.during_refusal: Callable[[str], None] | None = None
        # How long each submit waits for quota budget before it is sent.
        self.quota_wait_s = 0.0
        self.quota_waits = 0
        self.before_wait: Callable[[str, str], None] | None = None
        self.in_flight = 0
        self.max_in_flight = 0
        self._count = 0

    def video_request(
        self,
        prompt: str,
        *,
        duration_seconds: int | None = None,
        aspect_ratio: str | None = None,
        first_frame: InputImage | None = None,
        last_frame: InputImage | None = None,
    ) -> VideoRequest:
        return VideoRequest(
            prompt=prompt,
            duration_seconds=duration_seconds or 8,  # type: ignore[arg-type]
            aspect_ratio=aspect_ratio or "9:16",
            resolution="720p",
            first_frame=first_frame.data if first_frame else None,
            first_frame_mime=first_frame.mime_type if first_frame else None,
            last_frame=last_frame.data if last_frame else None,
            last_frame_mime=last_frame.mime_type if last_frame else None,
        )

    async def submit_video(
        self,
        request: VideoRequest,
        *,
        label: str,
        on_refused: Callable[[ProviderError], None] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> str:
        for _ in range(self.refusals.pop(label, 0)):
            # What MediaService does with a 429 it will retry: announce, be refused, wait.
            if before_send is not None:
                before_send()
            if on_refused is not None:
                on_refused(ProviderError("429 Too Many Requests", provider="google", status=429))
            if self.during_refusal is not None:
                self.during_refusal(label)
            await asyncio.sleep(0)
        if self.quota_wait_s:
            # Waiting for quota budget comes before the request is announced.
            self.quota_waits += 1
            await asyncio.sleep(self.quota_wait_s)
        if before_send is not None:
            before_send()
        self.submits.append((label, request))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(self.submit_s)
            errors = self.submit_errors.get(label)
            if errors:
                raise errors.pop(0)
        except BaseException:
            self.in_flight -= 1
            raise
        self._count += 1
        return f"operations/{label.replace(' ', '-')}-{self._count}"

    async def wait_video(
        self,
        operation: str,
        dest: Path,
        *,
        label: str,
        on_poll: Callable[[int], None] | None = None,
        pace: PollPace | None = None,
    ) -> VideoResult:
        self.waits.append((label, operation))
        if self.before_wait is not None:
            self.before_wait(label, operation)
        try:
            await asyncio.sleep(self.latency_s)
            if pace is not None and pace.sent is not None:
                pace.sent()
            if on_poll is not None:
                on_poll(1)
            errors = self.wait_errors.get(label)
            if errors:
                raise errors.pop(0)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(FAKE_MP4)
        finally:
            self.in_flight = max(0, self.in_flight - 1)
        return VideoResult(dest, operation, len(FAKE_MP4), 4.0, None)

    async def generate_thumbnail(
        self,
        prompt: str,
        dest: Path,
        *,
        aspect_ratio: str | None = None,
        inputs: Sequence[InputImage] = (),
    ) -> ImageResult:
        self.thumbnails.append(prompt)
        self.thumbnail_inputs.append(list(inputs))
        if self.thumbnail_errors:
            raise self.thumbnail_errors.pop(0)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(png_bytes())
        return ImageResult(dest, "image/png", 9, 16)

    async def draw_image(
        self,
        prompt: str,
        dest: Path,
        *,
        inputs: Sequence[InputImage] = (),
        aspect_ratio: str | None = None,
        what: str,
    ) -> ImageResult:
        """Draws a small PNG of a colour of its own per call, so that each image differs."""
        self.drawings.append(Drawn(what, prompt, list(inputs), aspect_ratio, dest))
        shade = (len(self.drawings) * 40) % 256
        errors = self.draw_errors.get(what)
        await asyncio.sleep(self.draw_s)
        if errors:
            raise errors.pop(0)
        dest.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        Image.new("RGB", (9, 16), (shade, 255 - shade, 128)).save(buffer, format="PNG")
        dest.write_bytes(buffer.getvalue())
        return ImageResult(dest, "image/png", 9, 16)
