"""A live server missing a key serves every route that does not need it; the others answer
503 naming the variable. Nothing leaves the machine: with no key, no client is built."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2

from storyreel.api import create_app
from storyreel.containers import close_container, create_container
from storyreel.settings import load_settings


def requests_made(server: Any) -> int:
    """Every request the emulator answered, all routes together."""
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        by_route: dict[str, int] = http.get("/_emulator/stats").json()["requests"]
    return sum(by_route.values())


OPENROUTER_KEY = "sk-or-v1-TESTKEY-api-credentials-0123456789"


@asynccontextmanager
async def live_api(
    output_dir: Path, emulator: Any, env: dict[str, str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The HTTP API of a live server whose providers are the emulator, keys from ``env``."""
    with httpx2.Client(base_url=emulator.url, timeout=10) as http:
        http.post("/_emulator/reset", json={})
    settings = load_settings(
        {
            "backend": "live",
            "output_dir": str(output_dir),
            "openrouter": {"base_url": f"{emulator.url}/v1"},
            "google": {"base_url": f"{emulator.url}/"},
        },
        config_file=None,
        env=env,
        dotenv=None,
    )
    container = create_container(settings)
    app = create_app(container)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                yield http
    finally:
        close_container(container)


async def test_live_api_without_keys_serves_jobs_and_names_each_missing_key(
    tmp_output: Path, emulator: Any
) -> None:
    async with live_api(tmp_output, emulator, {}) as api:
        listed = await api.get("/v1/jobs")
        missing = await api.get("/v1/jobs/20260101-000000-abcdef")
        meme = await api.post("/v1/memes", json={"topic": "kites"})
        video = await api.post("/v1/videos", json={"idea": "kites", "segments": 1})
        thumbnail = await api.post("/v1/thumbnails", json={"prompt": "a kite"})

    assert listed.status_code == 200, listed.text
    assert listed.json() == []
    assert missing.status_code == 404
    assert meme.status_code == 503
    assert "OPENAI_API_KEY" in meme.text
    assert "GOOGLE_STUDIO_API_KEY" not in meme.text
    assert video.status_code == 503
    assert "GOOGLE_STUDIO_API_KEY" in video.text
    assert thumbnail.status_code == 503
    assert "GOOGLE_STUDIO_API_KEY" in thumbnail.text
    assert requests_made(emulator) == 0


async def test_live_api_with_only_the_openrouter_key_writes_but_does_not_film(
    tmp_output: Path, emulator: Any
) -> None:
    async with live_api(tmp_output, emulator, {"OPENAI_API_KEY": OPENROUTER_KEY}) as api:
        meme = await api.post("/v1/memes", json={"topic": "kites"})
        video = await api.post("/v1/videos", json={"idea": "kites", "segments": 1})
        listed = await api.get("/v1/jobs")

    assert meme.status_code == 200, meme.text
    assert meme.json()["caption"]
    assert video.status_code == 503
    assert "GOOGLE_STUDIO_API_KEY" in video.text
    assert listed.json() == []  # no job was created
    assert requests_made(emulator) == 1
