"""The connectors build real SDK clients with the configured URL, key, timeouts and headers."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from storyreel.connectors.endpoints import Endpoints, live_endpoints
from storyreel.connectors.gemini import IDEMPOTENT_RETRY_STATUSES, build_genai_client
from storyreel.connectors.openrouter import build_async_openai_client, build_openai_client
from storyreel.errors import ConfigError
from storyreel.settings import load_settings

OPENROUTER_KEY = "sk-or-v1-TESTKEY-connectors-0123456789abcdef"
GOOGLE_KEY = "AQ.TESTKEY-connectors-google-0123456789"


def live_settings(**overrides: object):  # type: ignore[no-untyped-def]
    base = {
        "backend": "live",
        "openrouter": {
            "base_url": "https://router.test/api/v1",
            "timeout_s": 12.5,
            "max_retries": 4,
            "app_url": "https://storyreel.test",
            "app_title": "storyreel-tests",
        },
        "google": {"base_url": "https://google.test/", "timeout_s": 33},
    }
    base.update(overrides)
    env = {"OPENAI_API_KEY": OPENROUTER_KEY, "GOOGLE_STUDIO_API_KEY": GOOGLE_KEY}
    return load_settings(base, env=env, dotenv=None)


def test_openai_client_built_with_configured_url_key_timeout_headers() -> None:
    settings = live_settings()
    endpoints = live_endpoints(settings)
    for client in (
        build_openai_client(settings, endpoints),
        build_async_openai_client(settings, endpoints),
    ):
        assert str(client.base_url) == "https://router.test/api/v1/"
        assert client.api_key == OPENROUTER_KEY
        assert client.timeout == 12.5
        assert client.max_retries == 4
        assert client.default_headers["X-Title"] == "storyreel-tests"
        assert client.default_headers["HTTP-Referer"] == "https://storyreel.test"


def test_openai_client_ignores_unrelated_key_in_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("OPENAI_API_KEY", "sk-some-other-service-key-000000000")
    settings = load_settings({"backend": "offline"}, env={}, dotenv=None)
    endpoints = Endpoints("http://127.0.0.1:9/v1", SecretStr("offline-key"), None, None, True)
    assert build_openai_client(settings, endpoints).api_key == "offline-key"
    without_key = Endpoints("http://127.0.0.1:9/v1", None, None, None, emulated=True)
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        build_openai_client(settings, without_key)


def test_genai_client_express_mode_with_key_timeout_and_retry_policy() -> None:
    settings = live_settings()
    client = build_genai_client(settings, live_endpoints(settings))
    api = client._api_client
    assert api.vertexai is True
    assert api.api_key == GOOGLE_KEY
    assert api._http_options.base_url == "https://google.test/"
    assert api._http_options.timeout == 33_000
    retry = api._http_options.retry_options
    assert retry is not None
    assert retry.attempts == settings.google.max_retries + 1
    assert retry.http_status_codes == IDEMPOTENT_RETRY_STATUSES


def test_genai_client_project_mode_uses_project_and_location() -> None:
    settings = load_settings(
        {
            "backend": "live",
            "google": {
                "project": "proj-1",
                "location": "europe-west4",
                "base_url": "https://g.test/",
            },
        },
        env={"OPENAI_API_KEY": OPENROUTER_KEY},
        dotenv=None,
    )
    api = build_genai_client(settings, live_endpoints(settings))._api_client
    assert api.vertexai is True
    assert api.project == "proj-1"
    assert api.location == "europe-west4"
    assert not api.api_key


def test_genai_client_developer_api_mode() -> None:
    settings = live_settings(google={"vertexai": False, "base_url": "https://g.test/"})
    api = build_genai_client(settings, live_endpoints(settings))._api_client
    assert api.vertexai is False


def test_endpoints_repr_hides_keys() -> None:
    endpoints = Endpoints("u", SecretStr(OPENROUTER_KEY), "g", SecretStr(GOOGLE_KEY), False)
    assert OPENROUTER_KEY not in repr(endpoints)
    assert GOOGLE_KEY not in repr(endpoints)
