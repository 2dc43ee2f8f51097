"""How each Google call reaches Vertex AI: express mode (an API key), a project with
Application Default Credentials, or the Gemini Developer API."""

from __future__ import annotations

from dataclasses import replace
from typing import Final, Literal

from storyreel.connectors.endpoints import OFFLINE_KEY, Endpoints, live_endpoints
from storyreel.settings import Settings

GoogleMode = Literal["express", "project", "developer", "unavailable"]
GoogleUse = Literal["text", "image", "video", "voice"]
# The project the offline backend names in its paths when google.project is not set.
OFFLINE_PROJECT: Final = "storyreel-offline"

MODE_TEXT: Final[dict[GoogleMode, str]] = {
    "express": "Vertex AI express mode (GOOGLE_STUDIO_API_KEY)",
    "project": "Vertex AI project {project} in {location} ({credentials})",
    "developer": "Gemini Developer API (GOOGLE_STUDIO_API_KEY)",
    "unavailable": "unavailable",
}


def client_mode(settings: Settings, endpoints: Endpoints) -> GoogleMode:
    """How the text, image and voice calls go. A key wins over a project here: express
    mode serves those methods. Offline, every call takes the project path."""
    google = settings.google
    if not google.vertexai:
        return "developer"
    if endpoints.emulated:
        return "project"
    return "express" if endpoints.google_key is not None else "project"


def video_mode(settings: Settings, endpoints: Endpoints) -> GoogleMode:
    """How Veo calls go: express mode documents only text generation, so a configured
    ``google.project`` takes Veo down the project path even when a key is also set."""
    google = settings.google
    if not google.vertexai:
        return "unavailable"
    if endpoints.emulated or google.project:
        return "project"
    return "express" if endpoints.google_key is not None else "project"


def needs_video_client(settings: Settings, endpoints: Endpoints) -> bool:
    """Whether Veo goes another way than the other calls (a key and a project both set)."""
    video = video_mode(settings, endpoints)
    return video != "unavailable" and video != client_mode(settings, endpoints)


def project_of(settings: Settings, endpoints: Endpoints) -> str | None:
    """The project a project-mode client names: the configured one, or offline a stand-in."""
    if settings.google.project:
        return settings.google.project
    return OFFLINE_PROJECT if endpoints.emulated else None


def describe_modes(settings: Settings) -> dict[GoogleUse, str]:
    """For ``config check``: which way each kind of Google call will go (opens nothing)."""
    google = settings.google
    endpoints = live_endpoints(settings)
    if settings.backend != "live":
        endpoints = replace(endpoints, google_key=OFFLINE_KEY, emulated=True)
    shared = client_mode(settings, endpoints)
    project = project_of(settings, endpoints) or "(google.project not set)"
    modes: dict[GoogleUse, GoogleMode] = {
        "text": shared,
        "image": shared,
        "video": video_mode(settings, endpoints),
        "voice": shared,
    }
    described: dict[GoogleUse, str] = {}
    for use, mode in modes.items():
        location = google.tts_location if use == "voice" else google.location
        credentials = (
            "the offline emulator, a stand-in token"
            if endpoints.emulated
            else "Application Default Credentials"
        )
        described[use] = MODE_TEXT[mode].format(
            project=project, location=location, credentials=credentials
        )
    if modes["video"] == "express":
        described["video"] += (
            " - Vertex AI may refuse Veo in express mode: set google.project and run "
            "gcloud auth application-default login"
        )
    if modes["video"] == "unavailable":
        described["video"] += " (google.vertexai is false: Veo needs Vertex AI mode)"
    return described


__all__ = [
    "OFFLINE_PROJECT",
    "GoogleMode",
    "GoogleUse",
    "client_mode",
    "describe_modes",
    "needs_video_client",
    "project_of",
    "video_mode",
]
