"""Build the google-genai client: Vertex AI mode (express key or project/ADC) by default."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storyreel.connectors.endpoints import Endpoints
from storyreel.connectors.google_modes import GoogleMode, client_mode, project_of
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


def build_genai_client(
    settings: Settings, endpoints: Endpoints, *, mode: GoogleMode | None = None
) -> genai.Client:
    """A ``genai.Client`` with explicit credentials, base URL, API version, timeout, retries
    and limits, in ``mode`` (by default the mode of text, image and voice calls; see
    :mod:`storyreel.connectors.google_modes`). Live without a Google credential: a
    ConfigError naming the variable to set."""
    if not endpoints.emulated:
        settings.require_credentials("google")
    import httpx2
    from google import genai
    from google.genai import types

    limits = httpx2.Limits(
        max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
    )
    mode = mode or client_mode(settings, endpoints)
    http_options = types.HttpOptions(
        base_url=endpoints.google_url,
        # The Developer API has its own versions (v1beta); google.api_version is Vertex's.
        api_version=settings.google.api_version if mode != "developer" else None,
        timeout=int(settings.google.timeout_s * 1000),
        retry_options=retry_options(settings),
        # Passing transports pins the backend to httpx2 (never aiohttp) with our pool limits.
        client_args={"transport": httpx2.HTTPTransport(limits=limits)},
        async_client_args={"transport": httpx2.AsyncHTTPTransport(limits=limits)},
    )
    key = endpoints.google_key.get_secret_value() if endpoints.google_key else None
    kwargs: dict[str, Any] = {"http_options": http_options}
    if mode == "developer":
        kwargs.update(vertexai=False, api_key=key)
    elif mode == "express":
        kwargs.update(vertexai=True, api_key=key)
    else:
        project = project_of(settings, endpoints)
        kwargs.update(vertexai=True, project=project, location=settings.google.location)
        if endpoints.emulated:
            from storyreel.connectors.offline_auth import OfflineToken

            kwargs.update(credentials=OfflineToken())
    return genai.Client(**kwargs)


def build_genai_video_client(settings: Settings, endpoints: Endpoints) -> genai.Client:
    """A ``genai.Client`` for Veo alone, on the project path with Application Default
    Credentials; used only when ``google_modes.needs_video_client`` says so."""
    return build_genai_client(settings, endpoints, mode="project")


def build_genai_tts_client(settings: Settings, endpoints: Endpoints) -> genai.Client:
    """A second ``genai.Client`` for text-to-speech, at ``google.tts_location``: Gemini TTS is
    served from ``global`` and the ``us``/``eu`` multi-regions, not from Veo's region.

    Express mode (an API key) has no location: its requests go to the global endpoint, so a
    live express-mode client refuses any other ``tts_location`` rather than ignore it.
    """
    google = settings.google
    express = client_mode(settings, endpoints) == "express"
    if express and google.tts_location != "global":
        raise ConfigError(
            f"google.tts_location is {google.tts_location!r}, but with GOOGLE_STUDIO_API_KEY "
            "(Vertex AI express mode) every request goes to the global endpoint: set "
            "google.tts_location: global, or use google.project with Application Default "
            "Credentials to reach that location"
        )
    located = google.model_copy(update={"location": google.tts_location})
    return build_genai_client(settings.model_copy(update={"google": located}), endpoints)
