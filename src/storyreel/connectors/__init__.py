"""SDK client construction, and the original module-level client functions.

``get_openai_client()`` and friends are a thin facade over one default container, kept for
code written against the original connectors module. New code should take clients from a
container (``create_container()``) instead.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from google import genai
    from openai import AsyncOpenAI, OpenAI

    from storyreel.containers import Container

_lock = threading.Lock()
_default: Container | None = None


def default_container() -> Container:
    """The process-wide container behind the facade, created on first use."""
    global _default
    with _lock:
        if _default is None:
            from storyreel.containers import create_container

            _default = create_container()
        return _default


def set_default_container(container: Container | None) -> None:
    """Point the facade at a host application's container (``None`` forgets it)."""
    global _default
    with _lock:
        _default = container


def get_openai_client() -> OpenAI:
    """The shared synchronous OpenAI client (OpenRouter, or the emulator offline)."""
    return cast("OpenAI", default_container().openai_client())


def get_async_openai_client() -> AsyncOpenAI:
    """The shared asynchronous OpenAI client."""
    return cast("AsyncOpenAI", default_container().async_openai_client())


def get_genai_client() -> genai.Client:
    """The shared google-genai client (``.aio`` for async)."""
    return cast("genai.Client", default_container().genai_client())


def reset_openai_client() -> None:
    """Forget the shared OpenAI clients; the next call builds new ones."""
    container = default_container()
    container.openai_client.reset()
    container.async_openai_client.reset()


def reset_genai_client() -> None:
    """Forget the shared google-genai clients (Veo's and text-to-speech's); the next call
    builds new ones."""
    container = default_container()
    container.genai_client.reset()
    container.genai_tts_client.reset()


__all__ = [
    "default_container",
    "get_async_openai_client",
    "get_genai_client",
    "get_openai_client",
    "reset_genai_client",
    "reset_openai_client",
    "set_default_container",
]
