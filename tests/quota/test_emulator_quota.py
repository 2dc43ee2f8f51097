"""Quotas end to end: the emulator refuses over-quota requests as the providers do, and
storyreel's limiter (real SDKs, real HTTP on loopback) keeps under the same quota."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from storyreel.containers import Container, close_container, create_container
from storyreel.errors import ProviderError

PATH = "/v1/projects/p/locations/us-central1/publishers/google/models/veo-3.1-fast-generate-001"


@pytest.fixture
def control(emulator: Any) -> Iterator[httpx2.Client]:
    http = httpx2.Client(base_url=emulator.url, timeout=10)
    http.post("/_emulator/reset")
    yield http
    lifted = {"predictLongRunning": None, "chat.completions": None}
    assert http.post("/_emulator/config", json={"quota": lifted}).is_success
    http.close()


def _quota(http: httpx2.Client, route: str, requests: int, per_s: float) -> None:
    answer = http.post(
        "/_emulator/config", json={"quota": {route: {"requests": requests, "per_s": per_s}}}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["quota"][route] == {"requests": requests, "per_s": per_s}


def _container(emulator: Any, out: Path, video_submit: dict[str, Any]) -> Container:
    return create_container(
        backend="offline",
        output_dir=str(out),
        emulator={"url": emulator.url},
        google={"max_retries": 0, "rate_limits": {"video_submit": video_submit}},
        narration={"enabled": False},
        reel={"enabled": False},
        dotenv=None,
        env={},
        config_file=None,
    )


async def _submit_all(container: Container, count: int) -> list[str | BaseException]:
    media = container.media_service()
    request = media.video_request("a lighthouse at dusk, waves below")
    sends = [media.submit_video(request, label=f"clip {n}") for n in range(count)]
    return await asyncio.gather(*sends, return_exceptions=True)


def test_emulator_quota_answers_429_resource_exhausted_as_vertex(
    control: httpx2.Client,
) -> None:
    _quota(control, "predictLongRunning", 1, 30)
    body = {"instances": [{"prompt": "a boat"}], "parameters": {"durationSeconds": 8}}
    headers = {"authorization": "Bearer t"}
    assert control.post(f"{PATH}:predictLongRunning", json=body, headers=headers).status_code == 200
    refused = control.post(f"{PATH}:predictLongRunning", json=body, headers=headers)
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert error["code"] == 429
    assert error["status"] == "RESOURCE_EXHAUSTED"
    assert "Quota exceeded" in error["message"]
    assert control.get("/_emulator/stats").json()["over_quota"] == {"predictLongRunning": 1}


def test_emulator_quota_answers_chat_as_openrouter(emulator: Any, control: httpx2.Client) -> None:
    _quota(control, "chat.completions", 1, 30)
    client = openai.OpenAI(base_url=emulator.url + "/api/v1", api_key="k", max_retries=0)
    ask: Any = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    client.chat.completions.create(**ask)
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(**ask)
    client.close()
    error = raised.value.response.json()["error"]
    assert error["code"] == 429
    assert isinstance(error["message"], str)
    assert error["metadata"]["headers"]["X-RateLimit-Limit"] == "1"


def test_limiter_makes_no_429_against_the_emulators_quota(
    emulator: Any, control: httpx2.Client, tmp_path: Path
) -> None:
    _quota(control, "predictLongRunning", 3, 0.4)
    container = _container(emulator, tmp_path, {"veo-*": {"requests": 3, "per_s": 0.4}})
    try:
        results = asyncio.run(_submit_all(container, 7))
    finally:
        close_container(container)
    assert [r for r in results if not isinstance(r, str)] == []
    stats = control.get("/_emulator/stats").json()
    assert stats["over_quota"] == {}
    assert stats["video_submissions"] == 7


def test_without_the_limiter_the_same_burst_gets_429s(
    emulator: Any, control: httpx2.Client, tmp_path: Path
) -> None:
    _quota(control, "predictLongRunning", 3, 0.4)
    container = _container(emulator, tmp_path, {})
    try:
        results = asyncio.run(_submit_all(container, 7))
    finally:
        close_container(container)
    refused = [r for r in results if isinstance(r, ProviderError) and r.status == 429]
    assert len(refused) == 4
    assert control.get("/_emulator/stats").json()["over_quota"] == {"predictLongRunning": 4}
