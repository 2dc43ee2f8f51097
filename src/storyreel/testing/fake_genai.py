"""``RecordingGenai``: a ``google.genai.Client`` stand-in for what storyreel uses of it (``.aio``),
returning real ``google.genai.types`` objects with a small MP4 or PNG."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storyreel.testing._signature import check_kwargs
from storyreel.testing.samples import tiny_mp4, tiny_png

if TYPE_CHECKING:
    from google.genai import types


@dataclass
class _Submitted:
    seconds: int
    ratio: str
    polls: int = 0


@dataclass
class GenaiCall:
    """One recorded call: ``method`` is ``generate_videos``, ``generate_content`` or
    ``operations.get``; ``kwargs`` as given."""

    method: str
    kwargs: dict[str, Any] = field(default_factory=dict)


def _field(config: Any, name: str) -> Any:
    if isinstance(config, Mapping):
        return config.get(name)
    return getattr(config, name, None)


class _AioModels:
    def __init__(self, owner: RecordingGenai) -> None:
        self._owner = owner

    async def generate_videos(self, **kwargs: Any) -> types.GenerateVideosOperation:
        """Record a Veo submission and return its operation (done after ``polls`` polls)."""
        from google.genai import types
        from google.genai.models import AsyncModels

        check_kwargs(AsyncModels.generate_videos, kwargs, "aio.models.generate_videos")
        self._owner.record("generate_videos", kwargs)
        config = kwargs.get("config")
        seconds = int(_field(config, "duration_seconds") or 8)
        ratio = str(_field(config, "aspect_ratio") or "16:9")
        self._owner.video_submissions += 1
        name = (
            "projects/fake/locations/us-central1/publishers/google/models/"
            f"{kwargs.get('model', 'veo')}/operations/{self._owner.video_submissions}"
        )
        self._owner.operations[name] = _Submitted(seconds, ratio)
        return types.GenerateVideosOperation.model_validate({"name": name})

    async def generate_content(self, **kwargs: Any) -> types.GenerateContentResponse:
        """Record the call; answer with a small PNG when images were asked for, else text."""
        from google.genai import types
        from google.genai.models import AsyncModels

        check_kwargs(AsyncModels.generate_content, kwargs, "aio.models.generate_content")
        self._owner.record("generate_content", kwargs)
        config = kwargs.get("config")
        modalities = [
            str(getattr(m, "value", m)).upper() for m in _field(config, "response_modalities") or []
        ]
        if "IMAGE" in modalities:
            ratio = _field(_field(config, "image_config"), "aspect_ratio") or "1:1"
            part = types.Part(inline_data=types.Blob(mime_type="image/png", data=tiny_png(ratio)))
        else:
            part = types.Part(text=f"A reply about: {str(kwargs.get('contents'))[:80]}")
        return types.GenerateContentResponse(
            candidates=[
                types.Candidate(
                    content=types.Content(role="model", parts=[part]),
                    finish_reason=types.FinishReason.STOP,
                )
            ]
        )


class _AioOperations:
    def __init__(self, owner: RecordingGenai) -> None:
        self._owner = owner

    async def get(self, operation: Any, **kwargs: Any) -> types.GenerateVideosOperation:
        """Record a poll; the operation is done once it has been polled ``polls`` times."""
        from google.genai import types
        from google.genai.operations import AsyncOperations

        check_kwargs(AsyncOperations.get, {"operation": operation, **kwargs}, "operations.get")
        self._owner.record("operations.get", {"operation": operation, **kwargs})
        name = operation.name
        # An operation submitted elsewhere (a resumed job) finishes as a default clip.
        submitted = self._owner.operations.setdefault(name, _Submitted(8, "9:16"))
        submitted.polls += 1
        if submitted.polls < self._owner.polls:
            return types.GenerateVideosOperation.model_validate({"name": name, "done": False})
        video = types.Video(
            video_bytes=tiny_mp4(submitted.seconds, submitted.ratio), mime_type="video/mp4"
        )
        response = types.GenerateVideosResponse(
            generated_videos=[types.GeneratedVideo(video=video)]
        )
        return types.GenerateVideosOperation.model_validate(
            {"name": name, "done": True, "response": response}
        )


@dataclass
class _Aio:
    models: _AioModels
    operations: _AioOperations

    async def aclose(self) -> None:
        """Nothing to close; here because ``genai.Client.aio`` has it."""


class RecordingGenai:
    """A ``google.genai.Client`` stand-in for what storyreel uses of it (``.aio``).

    ``aio.models.generate_videos`` records a submission (counted in
    :attr:`video_submissions`) and returns an operation; ``aio.operations.get`` returns it
    done with a small real MP4 after ``polls`` polls; ``aio.models.generate_content``
    returns a small PNG (or text). Every call is in :attr:`calls`; :meth:`fail` makes the
    next calls of a method raise instead.
    """

    def __init__(self, *, polls: int = 1) -> None:
        self.calls: list[GenaiCall] = []
        self.video_submissions = 0
        self.operations: dict[str, _Submitted] = {}
        self.polls = polls
        self._failures: dict[str, deque[BaseException]] = {}
        self.aio = _Aio(_AioModels(self), _AioOperations(self))

    def fail(self, method: str, *errors: BaseException) -> RecordingGenai:
        """Raise ``errors`` (in order) from the next calls of ``method``
        (``generate_videos``, ``generate_content`` or ``operations.get``)."""
        self._failures.setdefault(method, deque()).extend(errors)
        return self

    def record(self, method: str, kwargs: Mapping[str, Any]) -> None:
        self.calls.append(GenaiCall(method, dict(kwargs)))
        queued = self._failures.get(method)
        if queued:
            raise queued.popleft()

    def calls_of(self, method: str) -> list[GenaiCall]:
        """The recorded calls of one method."""
        return [call for call in self.calls if call.method == method]

    def close(self) -> None:
        """Nothing to close; here because ``genai.Client`` has it."""


__all__ = ["GenaiCall", "RecordingGenai"]
