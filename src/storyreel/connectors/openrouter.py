"""Build the OpenAI SDK clients pointed at OpenRouter (or the emulator)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storyreel.connectors.endpoints import Endpoints
from storyreel.errors import ConfigError
from storyreel.settings import Settings

if TYPE_CHECKING:
    from openai import AsyncOpenAI, OpenAI

MAX_CONNECTIONS = 64
MAX_KEEPALIVE = 32


def openrouter_headers(settings: Settings) -> dict[str, str]:
    """OpenRouter's attribution headers."""
    headers = {"X-Title": settings.openrouter.app_title}
    if settings.openrouter.app_url:
        headers["HTTP-Referer"] = settings.openrouter.app_url
    return headers


def _key(endpoints: Endpoints) -> str:
    # The key is always passed explicitly: OPENAI_API_KEY in the environment may belong to
    # another service, and the SDK must never pick it up by itself.
    if endpoints.openrouter_key is None or not endpoints.openrouter_key.get_secret_value():
        raise ConfigError("no OpenRouter key: set OPENAI_API_KEY to your OpenRouter API key.")
    return endpoints.openrouter_key.get_secret_value()


def build_openai_client(settings: Settings, endpoints: Endpoints) -> OpenAI:
    """A synchronous client; the SDK owns retries of LLM calls (``max_retries``)."""
    import httpx2
    from openai import DefaultHttpxClient, OpenAI

    http_client = DefaultHttpxClient(
        limits=httpx2.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE
        )
    )
    return OpenAI(
        api_key=_key(endpoints),
        base_url=endpoints.openrouter_url,
        timeout=settings.openrouter.timeout_s,
        max_retries=settings.openrouter.max_retries,
        default_headers=openrouter_headers(settings),
        http_client=http_client,
    )


def build_async_openai_client(settings: Settings, endpoints: Endpoints) -> AsyncOpenAI:
    """The asynchronous twin of :func:`build_openai_client`."""
    import httpx2
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    http_client = DefaultAsyncHttpxClient(
        limits=httpx2.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE
        )
    )
    return AsyncOpenAI(
        api_key=_key(endpoints),
        base_url=endpoints.openrouter_url,
        timeout=settings.openrouter.timeout_s,
        max_retries=settings.openrouter.max_retries,
        default_headers=openrouter_headers(settings),
        http_client=http_client,
    )
