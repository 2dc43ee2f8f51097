"""Which way each Google call goes (express, project, Developer API), at which API version."""

from __future__ import annotations

from typing import Any

import pytest

from storyreel.connectors.endpoints import OFFLINE_KEY, live_endpoints
from storyreel.connectors.gemini import build_genai_client, build_genai_video_client
from storyreel.connectors.google_modes import (
    OFFLINE_PROJECT,
    client_mode,
    describe_modes,
    needs_video_client,
    video_mode,
)
from storyreel.settings import Settings, load_settings

GOOGLE_KEY = "AQ.TESTKEY-modes-google-0123456789"


def _settings(backend: str = "live", key: bool = True, **google: Any) -> Settings:
    env = {"GOOGLE_STUDIO_API_KEY": GOOGLE_KEY} if key else {}
    data = {"backend": backend, "google": {"base_url": "https://google.test/", **google}}
    return load_settings(data, env=env, dotenv=None)


@pytest.mark.parametrize(
    ("key", "google", "shared", "video"),
    [
        (True, {}, "express", "express"),
        (False, {"project": "p"}, "project", "project"),
        # A project takes Veo down the project path even beside a key.
        (True, {"project": "p"}, "express", "project"),
        (True, {"vertexai": False}, "developer", "unavailable"),
    ],
)
def test_modes_of_each_kind_of_call(
    key: bool, google: dict[str, Any], shared: str, video: str
) -> None:
    settings = _settings(key=key, **google)
    endpoints = live_endpoints(settings)
    assert client_mode(settings, endpoints) == shared
    assert video_mode(settings, endpoints) == video
    assert needs_video_client(settings, endpoints) == (shared == "express" and video == "project")


def test_clients_send_the_configured_api_version() -> None:
    default = _settings()
    api = build_genai_client(default, live_endpoints(default))._api_client
    assert api._http_options.api_version == "v1"
    beta = _settings(api_version="v1beta1")
    api = build_genai_client(beta, live_endpoints(beta))._api_client
    assert api._http_options.api_version == "v1beta1"


def test_the_video_client_takes_the_project_path_without_the_key() -> None:
    settings = _settings(project="proj-1", location="europe-west4")
    api = build_genai_video_client(settings, live_endpoints(settings))._api_client
    assert (api.project, api.location, api.api_key) == ("proj-1", "europe-west4", None)
    shared = build_genai_client(settings, live_endpoints(settings))._api_client
    assert (shared.api_key, shared.project) == (GOOGLE_KEY, None)


def test_offline_clients_take_the_project_path_with_a_stand_in_token() -> None:
    settings = _settings(backend="offline", key=False)
    endpoints = live_endpoints(settings)
    from dataclasses import replace

    emulated = replace(endpoints, google_key=OFFLINE_KEY, emulated=True)
    api = build_genai_client(settings, emulated)._api_client
    assert (api.project, api.api_key) == (OFFLINE_PROJECT, None)
    assert api._credentials is not None
    assert api._credentials.token


def test_config_check_descriptions_name_the_way_out_of_express_veo() -> None:
    modes = describe_modes(_settings())
    assert set(modes) == {"text", "image", "video", "voice"}
    assert "express mode" in modes["text"]
    assert "gcloud auth application-default login" in modes["video"]
    both = describe_modes(_settings(project="proj-1"))
    assert "project proj-1" in both["video"]
    assert "express mode" in both["image"]
    assert "in global" in describe_modes(_settings(key=False, project="p"))["voice"]
