"""The API with ``jobs.queue: celery``: job routes queue the job and send an action naming its
fence to the broker instead of running it; a broker it cannot reach is a 503 and a job left
queued; two reshoot requests still film the clip once."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from workers_support import submissions

from storyreel.api import create_app
from storyreel.containers import Container, aclose_container, create_container
from storyreel.jobs.models import JobStatus, this_process
from storyreel.settings import Settings, load_settings
from storyreel.testing.servers import free_port
from storyreel.workers import JobAction, Outcome, perform
from storyreel.workers.rescan import WORKER_ROLE

SECRET = "not-the-password-9"


def celery_settings(tmp_output: Path, broker: str) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_output),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2, "keyframes": False},
            "emulator": {"video_latency_s": 0.3},
            "narration": {"enabled": False},
            "reel": {"enabled": False},
            "jobs": {"queue": "celery", "broker_url": broker},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def sent_actions(url: str) -> list[JobAction]:
    """The actions waiting in the broker's default queue, oldest first."""
    client = redis.Redis.from_url(url)
    try:
        messages = [json.loads(raw) for raw in reversed(client.lrange("celery", 0, -1))]
    finally:
        client.close()
    return [JobAction.from_payload(json.loads(base64.b64decode(m["body"]))[0][0]) for m in messages]


async def serving(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


@pytest.fixture
async def container(tmp_output: Path, redis_url: str) -> AsyncIterator[Container]:
    built = create_container(celery_settings(tmp_output, redis_url))
    yield built
    await aclose_container(built)


@pytest.fixture
async def client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async for http in serving(container):
        yield http


async def test_api_queueing_post_video_sends_a_run_and_runs_nothing(
    client: httpx.AsyncClient, container: Container, redis_url: str
) -> None:
    answer = await client.post("/v1/videos", json={"idea": "a paper boat", "segments": 2})

    assert answer.status_code == 202, answer.text
    job_id = answer.json()["id"]
    assert sent_actions(redis_url) == [JobAction(kind="run", job_id=job_id, fence=0)]
    await asyncio.sleep(0.5)
    assert container.job_store().get(job_id).status is JobStatus.QUEUED
    assert submissions(container) == 0


async def test_api_queueing_broker_down_is_503_and_the_job_stays_queued(tmp_output: Path) -> None:
    port = free_port()
    built = create_container(celery_settings(tmp_output, f"redis://:{SECRET}@127.0.0.1:{port}/0"))
    try:
        async for http in serving(built):
            answer = await http.post("/v1/videos", json={"idea": "a paper boat", "segments": 2})
            assert answer.status_code == 503
            problem: dict[str, Any] = answer.json()
            assert f"redis://:***@127.0.0.1:{port}/0" in problem["detail"]
            assert SECRET not in answer.text
            assert problem["retryable"] is True
            (job,) = built.job_store().list_jobs()
            assert job.status is JobStatus.QUEUED
            assert built.job_runner().check_resumable(job.id).id == job.id
    finally:
        await aclose_container(built)


async def test_api_queueing_a_second_reshoot_of_a_queued_job_is_refused_not_dropped(
    client: httpx.AsyncClient, container: Container, redis_url: str
) -> None:
    runner = container.job_runner()
    job = runner.create("a paper boat", segments=2)
    await runner.run(job.id)
    paid = submissions(container)

    first = await client.post(f"/v1/jobs/{job.id}/segments/2/reshoot", json={"prompt": "at dusk"})
    # Another segment while the first reshoot waits for a worker: queueing it would move the
    # job's fence and the first (already answered 202) would be dropped by the worker.
    second = await client.post(f"/v1/jobs/{job.id}/segments/1/reshoot", json={"prompt": "dawn"})

    assert (first.status_code, second.status_code) == (202, 409), second.text
    assert "already queued" in second.json()["detail"]
    actions = sent_actions(redis_url)
    assert [(a.kind, a.index, a.prompt) for a in actions] == [("reshoot", 2, "at dusk")]
    assert actions[0].fence == container.job_store().get(job.id).fence
    owner = this_process(WORKER_ROLE)
    workers = container.job_runner(owner=owner), container.reel_jobs(owner=owner)
    outcome = await perform(actions[0], *workers, owner=owner, lease_s=60)
    assert outcome.outcome is Outcome.DONE
    assert submissions(container) == paid + 1
    done = container.job_store().get(job.id)
    assert done.status is JobStatus.SUCCEEDED
    assert done.story is not None
    assert done.story.segments[1].visual_prompt.startswith("at dusk")
