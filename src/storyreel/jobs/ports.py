"""What the job layer needs of the services below it, as small protocols."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

from storyreel.domain.reel import ReelPlan, ReelResult, Speech
from storyreel.errors import ProviderError
from storyreel.services.google.media import ImageResult, InputImage, VideoRequest, VideoResult


class ClipMaker(Protocol):
    """What the Cinematographer needs of the media service."""

    def video_request(
        self,
        prompt: str,
        *,
        duration_seconds: int | None = None,
        aspect_ratio: str | None = None,
        first_frame: InputImage | None = None,
        last_frame: InputImage | None = None,
    ) -> VideoRequest: ...

    async def submit_video(
        self,
        request: VideoRequest,
        *,
        label: str,
        on_refused: Callable[[ProviderError], None] | None = None,
        before_send: Callable[[], None] | None = None,
    ) -> str: ...

    async def wait_video(
        self,
        operation: str,
        dest: Path,
        *,
        label: str,
        on_poll: Callable[[int], None] | None = None,
    ) -> VideoResult: ...

    async def generate_thumbnail(
        self,
        prompt: str,
        dest: Path,
        *,
        aspect_ratio: str | None = None,
        inputs: Sequence[InputImage] = (),
    ) -> ImageResult: ...

    async def draw_image(
        self,
        prompt: str,
        dest: Path,
        *,
        inputs: Sequence[InputImage] = (),
        aspect_ratio: str | None = None,
        what: str,
    ) -> ImageResult:
        """One billed image (a character sheet, a keyframe) drawn from ``inputs`` and
        ``prompt``, written to ``dest``; ``what`` names it in errors."""
        ...


class Voice(Protocol):
    """What the job layer needs to read a narration aloud: one billed text-to-speech call."""

    async def speak(self, text: str, *, label: str) -> Speech: ...


class ReelAssembler(Protocol):
    """Renders a planned reel to ``dest`` (``reel.mp4``, captions beside it). Blocking and
    CPU-bound: the job layer runs it in a worker thread. Makes no paid call."""

    def assemble(self, plan: ReelPlan, dest: Path) -> ReelResult: ...

    def check_music(self, path: Path) -> float:
        """The length of the music at ``path`` in seconds; InputError (one line) when it is
        missing or not audio. Cheap: the job layer calls it before anything is paid."""
        ...
