"""Fixtures of the API tests: the app on an offline container, its lifespan running, a client."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from storyreel.api import create_app
from storyreel.containers import Container, close_container, create_container
from storyreel.settings import Settings

TOKEN = "test-api-token-0123456789"


@pytest.fixture
def api_settings(offline_settings: Settings) -> Settings:
    """Offline settings; tests that need others override this fixture."""
    return offline_settings


@pytest.fixture
def container(api_settings: Settings) -> Iterator[Container]:
    built = create_container(api_settings)
    yield built
    close_container(built)


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the app with its lifespan running (started before, stopped after)."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


def emulator_stats(container: Container) -> dict[str, Any]:
    """The in-process emulator's ``/_emulator/stats``."""
    base = container.endpoints().openrouter_url.removesuffix("/v1")
    return dict(httpx.get(f"{base}/_emulator/stats", timeout=10).json())


def png_bytes(size: tuple[int, int] = (32, 32)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with ``status``; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("urn:storyreel:problem:")
    assert body["title"]
    assert "Traceback" not in response.text
    return body
