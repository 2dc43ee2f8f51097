"""A recording stand-in for AsyncOpenAI's chat completions, and builders of real SDK objects."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx2
import openai
from openai.types.chat import ChatCompletion

if TYPE_CHECKING:
    from storyreel.containers import Container
    from storyreel.services.openrouter.writing import WritingService

FAKE_URL = "http://127.0.0.1:9/v1/chat/completions"


def completion(
    content: str | dict[str, Any] | None,
    *,
    refusal: str | None = None,
    finish_reason: str = "stop",
    prompt_tokens: int = 11,
    completion_tokens: int = 7,
) -> ChatCompletion:
    """A real ChatCompletion whose first choice says ``content`` (a dict is sent as JSON)."""
    text = json.dumps(content) if isinstance(content, dict) else content
    return ChatCompletion.model_validate(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": "fake-model",
            "choices": [
                {
                    "index": 0,
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": text, "refusal": refusal},
                }
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def status_error(
    status: int,
    message: str = "upstream said no",
    *,
    headers: dict[str, str] | None = None,
) -> openai.APIStatusError:
    """The exception the SDK raises for an HTTP ``status`` answer, built from a real response."""
    body = {"message": message, "type": "error", "code": status}
    request = httpx2.Request("POST", FAKE_URL)
    response = httpx2.Response(status, headers=headers, json={"error": body}, request=request)
    kinds: dict[int, type[openai.APIStatusError]] = {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        429: openai.RateLimitError,
    }
    kind = kinds.get(status, openai.InternalServerError if status >= 500 else openai.APIStatusError)
    return kind(f"Error code: {status} - {message}", response=response, body=body)


def connection_error(timeout: bool = False) -> openai.APIConnectionError:
    request = httpx2.Request("POST", FAKE_URL)
    if timeout:
        return openai.APITimeoutError(request=request)
    return openai.APIConnectionError(request=request)


class RecordingCompletions:
    """``chat.completions``: records each call's keyword arguments, answers from a script."""

    def __init__(self, replies: list[ChatCompletion | Exception]) -> None:
        self.calls: list[dict[str, Any]] = []
        self._replies = list(replies)

    async def create(self, **kwargs: Any) -> ChatCompletion:
        self.calls.append(kwargs)
        if not self._replies:
            raise AssertionError(f"unexpected call number {len(self.calls)}")
        reply = self._replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


class _Chat:
    def __init__(self, completions: RecordingCompletions) -> None:
        self.completions = completions


class FakeAsyncOpenAI:
    """Answers ``chat.completions.create`` with the given replies, in order."""

    def __init__(self, *replies: ChatCompletion | Exception) -> None:
        self.chat = _Chat(RecordingCompletions(list(replies)))
        self.closed = False

    @property
    def calls(self) -> list[dict[str, Any]]:
        return self.chat.completions.calls

    def user_text(self, call: int = 0) -> str:
        """The text of the last user message of call number ``call``."""
        message = [m for m in self.calls[call]["messages"] if m["role"] == "user"][-1]
        content = message["content"]
        if isinstance(content, str):
            return content
        return "\n".join(part["text"] for part in content if part["type"] == "text")

    async def close(self) -> None:
        self.closed = True


def segment(index: int, narration: str, visual_prompt: str, duration: int = 8) -> dict[str, Any]:
    return {
        "index": index,
        "narration": narration,
        "visual_prompt": visual_prompt,
        "duration_seconds": duration,
    }


def story_reply(
    segments: list[dict[str, Any]], characters: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    """A story draft as the model would send it."""
    return {
        "title": "The Keeper and the Storm",
        "logline": "A lighthouse keeper befriends the storm that keeps knocking at her door.",
        "characters": characters or [],
        "segments": segments,
    }


def simple_story(count: int) -> dict[str, Any]:
    return story_reply(
        [
            segment(n, f"Moment {n} of the night.", f"Wide shot of the lighthouse, moment {n}.")
            for n in range(1, count + 1)
        ]
    )


def writing(
    container: Container, *replies: ChatCompletion | Exception
) -> tuple[WritingService, FakeAsyncOpenAI]:
    """The container's writing service, its LLM client replaced by a fake with ``replies``."""
    fake = FakeAsyncOpenAI(*replies)
    container.async_openai_client.override(fake)
    service: WritingService = container.writing_service()
    return service, fake
