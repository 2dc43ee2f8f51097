"""Turn OpenAI SDK exceptions from OpenRouter calls into storyreel's ProviderError family."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from storyreel.errors import ContentBlockedError, ProviderError
from storyreel.logs import redact
from storyreel.services.retry_after import parse_retry_after

if TYPE_CHECKING:
    import openai

PROVIDER = "openrouter"
_DETAIL_CHARS = 200
# OpenRouter answers 403 when a model's moderation flagged the input.
_MODERATION_WORDS = ("moderation", "flagged")


def _clip(text: str) -> str:
    text = " ".join(redact(text).split())
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 1] + "…"


def _raw_message(raw: object) -> str | None:
    """The upstream provider's own words from ``metadata.raw``: a string (often JSON), or
    an object; for Google-style and OpenAI-style bodies, their ``error.message``."""
    if isinstance(raw, str):
        text = raw
        try:
            raw = json.loads(text)
        except ValueError:
            return text or None
    if isinstance(raw, Mapping):
        inner = raw.get("error", raw)
        message: object = inner.get("message") if isinstance(inner, Mapping) else inner
        return message if isinstance(message, str) and message else None
    return None


def _detail(body: object, fallback: str) -> str:
    """OpenRouter's error object ``{"code", "message", "metadata": {"provider_name", "raw"}}``
    as one redacted line: the message, which provider answered, and what it said."""
    if not isinstance(body, Mapping):
        return _clip(fallback)
    message = body.get("message")
    text = message if isinstance(message, str) and message else fallback
    metadata = body.get("metadata")
    if isinstance(metadata, Mapping):
        upstream = _raw_message(metadata.get("raw"))
        if upstream and upstream not in text:
            text = f"{text}: {upstream}"
        name = metadata.get("provider_name")
        if isinstance(name, str) and name:
            text = f"{text} (provider {name})"
    return _clip(text)


def reply_error(error: object, *, model: str) -> ProviderError:
    """The ProviderError for an error OpenRouter reported inside a 200 reply: the upstream
    provider failed after the request was accepted, so trying again may well succeed."""
    code = error.get("code") if isinstance(error, Mapping) else None
    status = code if isinstance(code, int) and not isinstance(code, bool) else None
    detail = _detail(error, "the provider failed while writing the reply")
    return ProviderError(
        f"OpenRouter reported an error in its reply from {model}: {detail} (try again later).",
        provider=PROVIDER,
        status=status,
        retryable=True,
    )


def provider_error(exc: Exception, *, model: str) -> ProviderError:
    """The ProviderError for an exception the OpenAI SDK raised calling ``model``."""
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            f"OpenRouter did not answer in time calling {model}; try again later "
            "or raise openrouter.timeout_s.",
            provider=PROVIDER,
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            "Could not connect to OpenRouter; check the network and openrouter.base_url.",
            provider=PROVIDER,
            retryable=True,
        )
    if not isinstance(exc, openai.APIStatusError):
        return ProviderError(
            f"OpenRouter sent a response that could not be read ({type(exc).__name__}) "
            f"calling {model}; try again later.",
            provider=PROVIDER,
            retryable=True,
        )
    return _status_error(exc, model=model)


def _status_error(exc: openai.APIStatusError, *, model: str) -> ProviderError:
    status = exc.status_code
    wait = parse_retry_after(exc.response.headers)
    if status == 401:
        # Never echo the provider's message here: some include a fragment of the key.
        return ProviderError(
            "OpenRouter rejected the API key (HTTP 401): check OPENAI_API_KEY "
            "(it must hold your OpenRouter key).",
            provider=PROVIDER,
            status=status,
        )
    detail = _detail(exc.body, exc.message)
    if status == 402:
        message = (
            f"OpenRouter refused the request for lack of credits (HTTP 402): {detail}. "
            "Add credits to the OpenRouter account or choose a cheaper openrouter.model."
        )
        return ProviderError(message, provider=PROVIDER, status=status)
    if status == 403:
        if any(word in detail.lower() for word in _MODERATION_WORDS):
            return ContentBlockedError(
                f"OpenRouter's moderation blocked the request to {model}: {detail}",
                provider=PROVIDER,
                reasons=[detail],
            )
        message = f"OpenRouter denied the request to {model} (HTTP 403): {detail}"
        return ProviderError(message, provider=PROVIDER, status=status)
    if status == 404:
        message = (
            f"OpenRouter found no such model or route (HTTP 404) for {model}: {detail}. "
            "Check openrouter.model and openrouter.base_url."
        )
        return ProviderError(message, provider=PROVIDER, status=status)
    if status == 429:
        after = f"; retry after {wait:g} s" if wait is not None else "; try again later"
        message = f"OpenRouter's rate limit was hit (HTTP 429) calling {model}{after}."
        return ProviderError(
            message, provider=PROVIDER, status=status, retryable=True, retry_after_s=wait
        )
    retryable = status == 408 or status >= 500
    hint = "try again later" if retryable else "the request was not accepted"
    message = f"OpenRouter answered HTTP {status} calling {model}: {detail} ({hint})."
    return ProviderError(
        message, provider=PROVIDER, status=status, retryable=retryable, retry_after_s=wait
    )
