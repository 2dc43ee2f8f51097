"""Provider failures as clients of the API see them, with faults injected at the emulator:
rate limits, refusals, safety blocks, unreadable replies, timeouts."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from storyreel.containers import Container
from storyreel.settings import Settings

from .conftest import assert_problem


@pytest.fixture
def api_settings(offline_settings: Settings) -> Settings:
    # No client-side retries and short timeouts: each fault reaches the API at once.
    data = offline_settings.model_dump()
    data["openrouter"].update(max_retries=0, timeout_s=1.0)
    data["google"].update(max_retries=0, timeout_s=1.0)
    return offline_settings.model_validate(data)


def inject(container: Container, *rules: dict[str, Any]) -> None:
    base = container.endpoints().openrouter_url.removesuffix("/v1")
    response = httpx.post(f"{base}/_emulator/faults", json=list(rules), timeout=10)
    assert response.status_code == 200, response.text


STORY = {"idea": "a heron fishing at dawn", "segments": 1}


async def test_provider_errors_rate_limit_is_429_with_retry_after(
    client: httpx.AsyncClient, container: Container
) -> None:
    inject(
        container,
        {"route": "chat.completions", "kind": "status", "status": 429, "retry_after_s": 7},
    )
    response = await client.post("/v1/stories", json=STORY)
    problem = assert_problem(response, 429)
    assert response.headers["retry-after"] == "7"
    assert problem["provider"] == "openrouter"
    assert problem["retryable"] is True


async def test_provider_errors_upstream_500_is_502(
    client: httpx.AsyncClient, container: Container
) -> None:
    inject(container, {"route": "chat.completions", "kind": "status", "status": 500})
    problem = assert_problem(await client.post("/v1/memes", json={"topic": "rain"}), 502)
    assert problem["provider"] == "openrouter"


async def test_provider_errors_unreadable_reply_twice_is_502(
    client: httpx.AsyncClient, container: Container
) -> None:
    inject(container, {"route": "chat.completions", "kind": "malformed", "times": 2})
    assert_problem(await client.post("/v1/ideas", json={"niche": "tea"}), 502)


async def test_provider_errors_timeout_is_504(
    client: httpx.AsyncClient, container: Container
) -> None:
    inject(container, {"route": "chat.completions", "kind": "delay", "delay_s": 1.5})
    problem = assert_problem(await client.post("/v1/stories", json=STORY), 504)
    assert problem["retryable"] is True


async def test_provider_errors_safety_block_is_422_with_reasons(
    client: httpx.AsyncClient, container: Container
) -> None:
    inject(container, {"route": "generateContent", "kind": "safety_block"})
    problem = assert_problem(await client.post("/v1/thumbnails", json={"prompt": "x"}), 422)
    assert problem["type"] == "urn:storyreel:problem:content-blocked"
    assert problem["reasons"]
