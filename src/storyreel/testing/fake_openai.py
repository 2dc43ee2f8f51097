"""``RecordingOpenAI``: an ``AsyncOpenAI`` stand-in that records calls and answers with real
``openai.types.chat.ChatCompletion`` objects."""

from __future__ import annotations

import itertools
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storyreel.testing._signature import check_kwargs

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion


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

        check_kwargs(AsyncCompletions.create, kwargs, "chat.completions.create")
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


__all__ = ["RecordingOpenAI"]
