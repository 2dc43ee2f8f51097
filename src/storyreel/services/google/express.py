"""Veo needs Vertex AI; in express mode, what its refusal means, and the way out."""

from __future__ import annotations

from storyreel.errors import ConfigError, ProviderError
from storyreel.settings import Settings

# Vertex AI's answer (400 INVALID_ARGUMENT) when Veo is called with an API key alone: express
# mode documents text generation methods only.
EXPRESS_REFUSAL = "invalid resource field value"


def in_express_mode(settings: Settings) -> bool:
    """Whether Veo calls go with an API key alone (live, Vertex AI, no ``google.project``)."""
    google = settings.google
    return (
        settings.backend == "live"
        and google.vertexai
        and not google.project
        and google.api_key is not None
    )


def check_express_refusal(error: ProviderError, settings: Settings, label: str) -> None:
    """Raise a ConfigError saying what to do when ``error`` is Vertex refusing a Veo call
    made in express mode; return otherwise."""
    if error.status != 400 or not in_express_mode(settings):
        return
    if EXPRESS_REFUSAL not in str(error).lower():
        return
    raise ConfigError(
        f"Google refused {label} in Vertex AI express mode (an API key alone), which does "
        "not serve Veo: set google.project (STORYREEL_GOOGLE__PROJECT) and run "
        "gcloud auth application-default login; the key stays in use for text and images"
    )


def require_vertex(settings: Settings, label: str) -> None:
    """A ConfigError saying how to switch Vertex AI on, when ``settings`` leave it off: the
    Gemini Developer API has no Veo in google-genai 3.x."""
    if not settings.google.vertexai:
        raise ConfigError(
            f"cannot make {label}: Veo is only offered in Vertex AI mode in google-genai 3.x, "
            "and google.vertexai is false. Set google.vertexai: true (or "
            "STORYREEL_GOOGLE__VERTEXAI=true) with GOOGLE_STUDIO_API_KEY (express mode) or "
            "google.project and Application Default Credentials"
        )


__all__ = ["EXPRESS_REFUSAL", "check_express_refusal", "in_express_mode", "require_vertex"]
