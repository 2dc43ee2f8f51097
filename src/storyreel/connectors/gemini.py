"""Build the google-genai client: Vertex AI mode (express key or project/ADC) by default."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storyreel.connectors.endpoints import Endpoints
from storyreel.errors import ConfigError
from storyreel.settings import Settings

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

MAX_CONNECTIONS = 64
# Statuses at which the request was certainly not processed, or that are safe to repeat
# because the call is idempotent (generateContent, fetchPredictOperation). Paid video
# submissions override this per call and are never retried blindly.
IDEMPOTENT_RETRY_STATUSES = [408, 429, 500, 502, 503, 504]


def retry_options(settings: Settings) -> types.HttpRetryOptions:
    """The one retry policy of Google calls that are safe to repeat."""
    from google.genai import types

    return types.HttpRetryOptions(
        attempts=settings.google.max_retries + 1,
        initial_delay=1.0,
        max_delay=30.0,
        http_status_codes=IDEMPOTENT_RETRY_STATUSES,
    )


def build_genai_client(settings: Settings, endpoints: Endpoints) -> genai.Client:
    """A ``genai.Client`` with explicit credentials, base URL, timeout, retries and limits.
    Live without a Google credential: a ConfigError naming the variable to set."""
    if not endpoints.emulated:
        settings.require_credentials("google")
    import httpx2
    from google import genai
    from google.genai import types

    limits = httpx2.Limits(
        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
    )
    http_options = types.HttpOptions(
        base_url=endpoints.google_url,
        timeout=int(settings.google.timeout_s * 1000),
        retry_options=retry_options(settings),
        # Passing transports pins the backend to httpx2 (never aiohttp) with our pool limits.
        client_args={"transport": httpx2.HTTPTransport(limits=limits)},
        async_client_args={"transport": httpx2.AsyncHTTPTransport(limits=limits)},
    )
    key = endpoints.google_key.get_secret_value() if endpoints.google_key else None
    kwargs: dict[str, Any] = {"http_options": http_options}
    if not settings.google.vertexai:
        kwargs.update(vertexai=False, api_key=key)
    elif key:
        kwargs.update(vertexai=True, api_key=key)
    else:
        kwargs.update(
            vertexai=True, project=settings.google.project, location=settings.google.location
        )
    return genai.Client(**kwargs)


def build_genai_tts_client(settings: Settings, endpoints: Endpoints) -> genai.Client:
    """A second ``genai.Client`` for text-to-speech, at ``google.tts_location``: Gemini TTS is
    served from ``global`` and the ``us``/``eu`` multi-regions, not from Veo's region.

    Express mode (an API key) has no location: its requests go to the global endpoint, so a
    live express-mode client refuses any other ``tts_location`` rather than ignore it.
    """
    google = settings.google
    express = google.vertexai and endpoints.google_key is not None and not endpoints.emulated
    if express and google.tts_location != "global":
        raise ConfigError(
            f"google.tts_location is {google.tts_location!r}, but with GOOGLE_STUDIO_API_KEY "
            "(Vertex AI express mode) every request goes to the global endpoint: set "
            "google.tts_location: global, or use google.project with Application Default "
            "Credentials to reach that location"
        )
    located = google.model_copy(update={"location": google.tts_location})
    return build_genai_client(settings.model_copy(update={"google": located}), endpoints)
