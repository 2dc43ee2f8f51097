"""Bodies are refused before they are read: no token is 401, too large is 413, either way
nothing of the body beyond the limit is taken in."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from storyreel.containers import Container
from storyreel.settings import Settings, load_settings

from .conftest import TOKEN, assert_problem, emulator_stats

CHUNK = 64 * 1024


@pytest.fixture
def api_settings(offline_settings: Settings) -> Settings:
    return load_settings(
        {"backend": "offline", "output_dir": str(offline_settings.output_dir)},
        env={"STORYREEL_API_TOKEN": TOKEN, "STORYREEL_API__MAX_BODY_KB": "64"},
        dotenv=None,
    )


class Stream:
    """A request body of ``chunks`` × 64 kB that counts how much of it was read."""

    def __init__(self, chunks: int) -> None:
        self.chunks = chunks
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b'{"idea": "'
        for _ in range(self.chunks):
            self.read += 1
            yield b"k" * CHUNK
        yield b'"}'


async def test_body_without_token_is_401_before_any_of_it_is_read(
    client: httpx.AsyncClient,
) -> None:
    stream = Stream(chunks=16_000)  # a gigabyte, were it read
    response = await client.post(
        "/v1/videos", content=stream, headers={"content-type": "application/json"}
    )
    assert_problem(response, 401)
    assert stream.read == 0


async def test_body_over_max_body_kb_is_413_by_its_declared_length(
    client: httpx.AsyncClient, container: Container
) -> None:
    big = b'{"idea": "' + b"k" * (65 * 1024) + b'"}'
    response = await client.post(
        "/v1/videos",
        content=big,
        headers={"content-type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    problem = assert_problem(response, 413)
    assert "api.max_body_kb" in problem["detail"]
    assert container.job_store().list_jobs() == []


async def test_body_chunked_past_the_limit_is_413_and_reading_stops(
    client: httpx.AsyncClient, container: Container
) -> None:
    stream = Stream(chunks=1_000)
    response = await client.post(
        "/v1/stories",
        content=stream,
        headers={"content-type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )
    assert_problem(response, 413)
    assert stream.read <= 2  # 64 kB allowed: the second chunk passes it, the rest is never read
    assert emulator_stats(container)["requests"]["chat.completions"] == 0


async def test_body_within_the_limit_is_served(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/memes",
        json={"topic": "kites"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
