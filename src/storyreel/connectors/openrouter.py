"""Build the OpenAI SDK clients pointed at OpenRouter (or the emulator)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storyreel.connectors.endpoints import Endpoints
from storyreel.errors import ConfigError
from storyreel.settings import Settings

if TYPE_CHECKING:
    import httpx2
    from openai import AsyncOpenAI, OpenAI

MAX_CONNECTIONS = 64
MAX_KEEPALIVE = 32


def openrouter_headers(settings: Settings) -> dict[str, str]:
    """OpenRouter's attribution headers: the app's title under its current name and the
    older one, and its URL, which is what OpenRouter attributes requests to."""
    title = settings.openrouter.app_title
    headers = {"X-OpenRouter-Title": title, "X-Title": title}
    if settings.openrouter.app_url:
        headers["HTTP-Referer"] = settings.openrouter.app_url
    return headers


def _key(endpoints: Endpoints) -> str:
    # The key is always passed explicitly: OPENAI_API_KEY in the environment may belong to
    # another service, and the SDK must never pick it up by itself.
    if endpoints.openrouter_key is None or not endpoints.openrouter_key.get_secret_value():
        raise ConfigError("no OpenRouter key: set OPENAI_API_KEY to your OpenRouter API key.")
    return endpoints.openrouter_key.get_secret_value()


def _client_options(settings: Settings, endpoints: Endpoints) -> dict[str, Any]:
    """What both clients are built with; the SDK owns retries of LLM calls (``max_retries``).
    Live without an OpenRouter key: a ConfigError naming the variable to set."""
    if not endpoints.emulated:
        settings.require_credentials("openrouter")
    return {
        "api_key": _key(endpoints),
        "base_url": endpoints.openrouter_url,
        "timeout": settings.openrouter.timeout_s,
        "max_retries": settings.openrouter.max_retries,
        "default_headers": openrouter_headers(settings),
    }


def _limits() -> httpx2.Limits:
    import httpx2

    return httpx2.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_KEEPALIVE)


def build_openai_client(settings: Settings, endpoints: Endpoints) -> OpenAI:
    """A synchronous client pointed at OpenRouter (or the emulator)."""
    from openai import DefaultHttpxClient, OpenAI

    http_client = DefaultHttpxClient(limits=_limits())
    return OpenAI(**_client_options(settings, endpoints), http_client=http_client)


def build_async_openai_client(settings: Settings, endpoints: Endpoints) -> AsyncOpenAI:
    """The asynchronous twin of :func:`build_openai_client`."""
    from openai import AsyncOpenAI, DefaultAsyncHttpxClient

    http_client = DefaultAsyncHttpxClient(limits=_limits())
    return AsyncOpenAI(**_client_options(settings, endpoints), http_client=http_client)
