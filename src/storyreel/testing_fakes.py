"""Recording fakes of the two SDK clients, returning the SDKs' own response types.

``RecordingOpenAI`` stands in for ``AsyncOpenAI`` and ``RecordingGenai`` for
``google.genai.Client``; put them in with ``container.async_openai_client.override(fake)``
and ``container.genai_client.override(fake)``. Each records what it was asked (keyword
arguments as given) for the test to assert on, and refuses arguments the real SDK method
does not take, so a typo fails as it would against the real client.
"""

from __future__ import annotations

import functools
import inspect
import io
import itertools
import json
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from google.genai import types
    from openai.types.chat import ChatCompletion


def _check_kwargs(method: Callable[..., Any], kwargs: Mapping[str, Any], what: str) -> None:
    accepted = _parameters(method)
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise TypeError(f"{what}() got unexpected keyword argument(s) {unknown}")


@functools.cache
def _parameters(method: Callable[..., Any]) -> frozenset[str]:
    return frozenset(inspect.signature(method).parameters) - {"self"}


def _prompt(messages: Any) -> str:
    """The text of the last user message (the part a schema filler writes about)."""
    for message in reversed(list(messages or [])):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [p.get("text", "") for p in content or [] if isinstance(p, Mapping)]
            return " ".join(t for t in texts if t)
    return ""


class _Completions:
    def __init__(self, owner: RecordingOpenAI) -> None:
        self._owner = owner

    async def create(self, **kwargs: Any) -> ChatCompletion:
        """Record ``kwargs`` and answer with the next queued reply, or JSON that fits the
        requested ``json_schema`` (plain text when none was requested)."""
        from openai.resources.chat.completions import AsyncCompletions

        _check_kwargs(AsyncCompletions.create, kwargs, "chat.completions.create")
        if kwargs.get("stream"):
            raise ValueError("RecordingOpenAI does not stream; call without stream=True")
        self._owner.calls.append(kwargs)
        reply = self._owner.next_reply()
        if isinstance(reply, BaseException):
            raise reply
        return self._owner.completion(kwargs, reply)


@dataclass
class _Chat:
    completions: _Completions


class RecordingOpenAI:
    """An ``AsyncOpenAI`` stand-in: ``chat.completions.create(**kwargs)`` is recorded in
    :attr:`calls` and answered with a real ``openai.types.chat.ChatCompletion``.

    Replies given to the constructor or :meth:`reply` are used in order: a string is the
    message content, a dict or list is sent as JSON, an exception is raised. With none
    left, the reply is JSON valid against the request's ``json_schema``.
    """

    def __init__(self, *replies: Any) -> None:
        self.calls: list[dict[str, Any]] = []
        self.closed = False
        self._replies: deque[Any] = deque(replies)
        self._ids = itertools.count(1)
        self.chat = _Chat(_Completions(self))

    def reply(self, *replies: Any) -> RecordingOpenAI:
        """Queue replies for the next calls."""
        self._replies.extend(replies)
        return self

    def next_reply(self) -> Any:
        return self._replies.popleft() if self._replies else None

    def completion(self, kwargs: Mapping[str, Any], reply: Any) -> ChatCompletion:
        """A ChatCompletion answering ``kwargs`` with ``reply`` (None: fill the schema)."""
        from openai.types.chat import ChatCompletion

        if isinstance(reply, ChatCompletion):
            return reply
        prompt = _prompt(kwargs.get("messages"))
        if reply is None:
            reply = _schema_reply(kwargs.get("response_format"), prompt)
        content = reply if isinstance(reply, str) else json.dumps(reply)
        prompt_tokens, completion_tokens = len(prompt.split()) + 1, len(content.split()) + 1
        return ChatCompletion.model_validate(
            {
                "id": f"chatcmpl-fake-{next(self._ids)}",
                "object": "chat.completion",
                "created": 0,
                "model": str(kwargs.get("model", "fake")),
                "choices": [
                    {
                        "index": 0,
                        "finish_reason": "stop",
                        "message": {"role": "assistant", "content": content},
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        )

    async def close(self) -> None:
        self.closed = True


def _schema_reply(response_format: Any, prompt: str) -> Any:
    if not isinstance(response_format, Mapping):
        return f"A reply about: {prompt[:80]}"
    from storyreel.emulator.schema_fill import fill

    spec = response_format.get("json_schema")
    schema = spec.get("schema", {}) if isinstance(spec, Mapping) else {}
    return fill(schema, prompt)


@functools.cache
def tiny_mp4(seconds: int = 4, ratio: str = "9:16") -> bytes:
    """A small playable H.264 MP4 of ``seconds`` at 2 frames per second."""
    import av
    from PIL import Image

    width, height = (64, 112) if ratio == "9:16" else (112, 64)
    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=2)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(max(1, seconds * 2)):
            shade = 40 + index * 10 % 200
            frame = av.VideoFrame.from_image(  # type: ignore[no-untyped-call]
                Image.new("RGB", (width, height), (shade, 90, 160))
            )
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return out.getvalue()


@functools.cache
def tiny_png(ratio: str = "1:1") -> bytes:
    """A small PNG with the proportions of ``ratio``."""
    from PIL import Image

    across, down = (int(part) for part in ratio.split(":"))
    scale = 64 / max(across, down)
    image = Image.new("RGB", (max(1, round(across * scale)), max(1, round(down * scale))))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


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

        _check_kwargs(AsyncModels.generate_videos, kwargs, "aio.models.generate_videos")
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

        _check_kwargs(AsyncModels.generate_content, kwargs, "aio.models.generate_content")
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

        _check_kwargs(AsyncOperations.get, {"operation": operation, **kwargs}, "operations.get")
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


__all__ = ["GenaiCall", "RecordingGenai", "RecordingOpenAI", "tiny_mp4", "tiny_png"]
