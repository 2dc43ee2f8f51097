"""Kite Studio's test fixtures: an offline container, the app with its lifespan, a client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from host_app import Container, build_container, create_app

from storyreel.containers import close_container
from storyreel.settings import load_settings


@pytest.fixture
def container(tmp_path: Path) -> Iterator[Container]:
    settings = load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_path / "media"),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2},
        },
        env={},
        dotenv=None,
    )
    built = build_container(settings)
    yield built
    close_container(built)


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://studio") as http:
            yield http
