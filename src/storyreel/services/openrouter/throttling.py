"""OpenRouter calls drawn from the limiter's budget: a chat client that waits for it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from storyreel.quota import CHAT, DEFAULT_PAUSE_S, Limiter
from storyreel.services.openrouter.structured import ChatClient, ChatCompletions
from storyreel.services.retry_after import parse_retry_after

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionMessageParam


def openrouter_throttle(exc: Exception) -> float | None:
    """How long a 429 from OpenRouter pauses its budget (Retry-After when sent, else the
    default); None for any other failure."""
    if getattr(exc, "status_code", None) != 429:
        return None
    headers = getattr(getattr(exc, "response", None), "headers", None)
    wait = parse_retry_after(headers) if isinstance(headers, Mapping) else None
    return DEFAULT_PAUSE_S if wait is None else wait


class _LimitedCompletions:
    def __init__(self, inner: ChatClient, limiter: Limiter) -> None:
        self._inner = inner
        self._limiter = limiter

    async def create(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        response_format: Any,
        extra_body: Any,
    ) -> ChatCompletion:
        completions: ChatCompletions = self._inner.chat.completions
        return await self._limiter.call(
            CHAT,
            model,
            lambda: completions.create(
                model=model,
                messages=messages,
                response_format=response_format,
                extra_body=extra_body,
            ),
            throttled=openrouter_throttle,
        )


class _LimitedChat:
    def __init__(self, completions: _LimitedCompletions) -> None:
        self._completions = completions

    @property
    def completions(self) -> _LimitedCompletions:
        return self._completions


class LimitedChatClient:
    """``client`` whose chat completions each wait for the OpenRouter budget of the model."""

    def __init__(self, client: ChatClient, limiter: Limiter) -> None:
        self._chat = _LimitedChat(_LimitedCompletions(client, limiter))

    @property
    def chat(self) -> _LimitedChat:
        return self._chat


__all__ = ["LimitedChatClient", "openrouter_throttle"]
