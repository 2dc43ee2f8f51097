"""The text-to-speech client: the same credentials as Veo's, at google.tts_location."""

from __future__ import annotations

from typing import Any

import pytest

from storyreel.connectors.endpoints import live_endpoints
from storyreel.connectors.gemini import build_genai_client, build_genai_tts_client
from storyreel.containers import close_container, create_container
from storyreel.errors import ConfigError
from storyreel.settings import Settings, load_settings

GOOGLE_KEY = "AQ.TESTKEY-tts-client-google-0123456789"


def _live(google: dict[str, Any], env: dict[str, str] | None = None) -> Settings:
    return load_settings({"backend": "live", "google": google}, env=env or {}, dotenv=None)


def test_project_mode_tts_client_uses_tts_location_and_veo_client_its_own() -> None:
    settings = _live(
        {"project": "proj-1", "location": "us-central1", "base_url": "https://g.test/"}
    )
    endpoints = live_endpoints(settings)
    tts = build_genai_tts_client(settings, endpoints)._api_client
    veo = build_genai_client(settings, endpoints)._api_client
    assert (tts.project, tts.location) == ("proj-1", "global")
    assert (veo.project, veo.location) == ("proj-1", "us-central1")


def test_project_mode_multi_region_goes_to_its_regional_host() -> None:
    settings = _live({"project": "proj-1", "tts_location": "eu"})
    api = build_genai_tts_client(settings, live_endpoints(settings))._api_client
    assert api.location == "eu"
    assert api._http_options.base_url == "https://aiplatform.eu.rep.googleapis.com/"


def test_express_mode_reaches_the_global_endpoint() -> None:
    settings = _live({}, env={"GOOGLE_STUDIO_API_KEY": GOOGLE_KEY})
    api = build_genai_tts_client(settings, live_endpoints(settings))._api_client
    assert api.api_key == GOOGLE_KEY
    assert api.location is None
    assert api._http_options.base_url == "https://aiplatform.googleapis.com/"


def test_express_mode_refuses_a_location_it_cannot_reach() -> None:
    settings = _live({"tts_location": "eu"}, env={"GOOGLE_STUDIO_API_KEY": GOOGLE_KEY})
    with pytest.raises(ConfigError, match="tts_location") as caught:
        build_genai_tts_client(settings, live_endpoints(settings))
    assert GOOGLE_KEY not in str(caught.value)


def test_container_tts_client_is_one_singleton_closed_on_shutdown(
    offline_settings: Settings,
) -> None:
    container = create_container(offline_settings)
    tts = container.genai_tts_client()
    assert container.genai_tts_client() is tts
    assert tts is not container.genai_client()
    close_container(container)
    assert tts._api_client._httpx_client.is_closed
    fresh = container.genai_tts_client()
    assert fresh is not tts
    close_container(container)
