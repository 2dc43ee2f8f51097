"""Fixtures for the emulator tests: one server per module, reset before every test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from storyreel.emulator import EmulatorOptions, EmulatorServer

from .support import VIDEO_LATENCY_S, Control, project_client


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=VIDEO_LATENCY_S)) as running:
        yield running


@pytest.fixture(scope="module")
def control(server: EmulatorServer) -> Iterator[Control]:
    driver = Control(server)
    yield driver
    driver.close()


@pytest.fixture(autouse=True)
def _fresh_emulator(request: pytest.FixtureRequest) -> None:
    # Only tests that use the shared server need it reset; pure unit tests stay server-free.
    if "control" in request.fixturenames or "server" in request.fixturenames:
        request.getfixturevalue("control").reset()


@pytest.fixture
def openai_client(server: EmulatorServer) -> Iterator[Any]:
    import openai

    client = openai.OpenAI(base_url=server.url + "/v1", api_key="test", max_retries=0)
    yield client
    client.close()


@pytest.fixture
def genai_client(server: EmulatorServer) -> Any:
    """Vertex AI express mode: an API key and no project (Veo refuses it)."""
    from google import genai
    from google.genai import types

    return genai.Client(
        vertexai=True, api_key="test", http_options=types.HttpOptions(base_url=server.url + "/")
    )


@pytest.fixture
def veo_client(server: EmulatorServer) -> Any:
    """Veo as Vertex AI serves it: the project path with a bearer token, at v1."""
    return project_client(server.url)
