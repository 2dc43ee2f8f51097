"""The application's lifespan: clients and emulator started and closed, interrupted jobs
resumed at start-up, running jobs interrupted (and resumable) at shutdown."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from storyreel.api import build_router, create_app
from storyreel.containers import Container, create_container
from storyreel.domain.story import Story
from storyreel.emulator import EmulatorServer
from storyreel.jobs.machine import this_machine
from storyreel.jobs.models import JobStatus
from storyreel.settings import Settings

from .conftest import assert_problem


def dead_owner(role: str = "server") -> str:
    """``host:pid`` of a process of this machine that has exited."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(child.stdout)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    return f"{this_machine()}:{pid}:{role}-0000"


def story(segments: int) -> dict[str, Any]:
    return {
        "title": "Kites",
        "logline": "Kites over a hill.",
        "segments": [
            {
                "index": n,
                "narration": f"Kite {n}.",
                "visual_prompt": f"kite {n}",
                "duration_seconds": 4,
            }
            for n in range(1, segments + 1)
        ],
    }


@pytest.fixture
def api_settings(offline_settings: Settings, emulator: EmulatorServer) -> Settings:
    # A standalone emulator outlives each lifespan, as Google outlives a server restart.
    data = offline_settings.model_dump()
    data["emulator"]["url"] = emulator.url
    return offline_settings.model_validate(data)


def submissions(emulator: EmulatorServer) -> int:
    return int(httpx.get(f"{emulator.url}/_emulator/stats").json()["video_submissions"])


@pytest.fixture
def slow_clips(emulator: EmulatorServer) -> Any:
    httpx.post(f"{emulator.url}/_emulator/config", json={"video_latency_s": 1.0})
    yield
    httpx.post(f"{emulator.url}/_emulator/config", json={"video_latency_s": 0.3})


async def test_app_lifespan_builds_clients_then_closes_them(
    app: FastAPI, container: Container
) -> None:
    async with app.router.lifespan_context(app):
        openai_client = container.async_openai_client()
        assert not openai_client.is_closed()
    assert openai_client.is_closed()
    assert container.async_openai_client() is not openai_client


async def test_app_lifespan_starts_and_stops_the_in_process_emulator(
    offline_settings: Settings,
) -> None:
    container = create_container(offline_settings)
    app = create_app(container)
    async with app.router.lifespan_context(app):
        url = container.endpoints().openrouter_url.removesuffix("/v1")
        assert httpx.get(f"{url}/_emulator/stats").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/_emulator/stats", timeout=2)


async def test_app_resumes_an_interrupted_job_at_start_up(
    app: FastAPI, container: Container, emulator: EmulatorServer
) -> None:
    runner = container.job_runner()
    job = runner.create_from_story(Story.model_validate(story(2)))
    container.job_store().update(job.id, status=JobStatus.RUNNING, owner=dead_owner())
    before = submissions(emulator)

    async with app.router.lifespan_context(app):
        tasks = container.job_tasks()
        assert tasks.running_ids() == [job.id]
        await tasks.wait(job.id, within_s=30)

    finished = container.job_store().get(job.id)
    assert finished.status is JobStatus.SUCCEEDED
    assert submissions(emulator) - before == 2


async def test_app_shutdown_interrupts_jobs_and_the_next_start_finishes_them(
    app: FastAPI, container: Container, emulator: EmulatorServer, slow_clips: None
) -> None:
    before = submissions(emulator)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            job_id = (await http.post("/v1/videos", json={"story": story(2)})).json()["id"]
            while submissions(emulator) - before < 2:
                await asyncio.sleep(0.02)

    interrupted = container.job_store().get(job_id)
    assert interrupted.status is JobStatus.QUEUED
    # The next server is another process: the job's owner is gone.
    container.job_store().update(job_id, owner=dead_owner())

    async with app.router.lifespan_context(app):
        await container.job_tasks().wait(job_id, within_s=30)

    assert container.job_store().get(job_id).status is JobStatus.SUCCEEDED
    assert submissions(emulator) - before == 2


async def test_app_leaves_a_job_stopped_at_the_command_line_for_storyreel_resume(
    app: FastAPI, container: Container, emulator: EmulatorServer
) -> None:
    runner = container.job_runner()
    job = runner.create_from_story(Story.model_validate(story(2)))
    # What Ctrl-C during `storyreel make` leaves: queued, owned by a CLI process now gone.
    container.job_store().update(job.id, status=JobStatus.QUEUED, owner=dead_owner("local"))
    before = submissions(emulator)

    async with app.router.lifespan_context(app):
        assert container.job_tasks().running_ids() == []

    assert container.job_store().get(job.id).status is JobStatus.QUEUED
    assert submissions(emulator) == before


async def test_app_router_mounts_under_a_host_prefix(container: Container) -> None:
    from storyreel.api import attach, install_problem_handlers, storyreel_lifespan

    host = FastAPI(lifespan=lambda app: storyreel_lifespan(container))
    attach(host, container)
    host.include_router(build_router(), prefix="/media")
    install_problem_handlers(host)
    async with host.router.lifespan_context(host):
        transport = httpx.ASGITransport(app=host)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/media/healthz")).json() == {"status": "ok"}
            created = await http.post("/media/v1/videos", json={"story": story(1)})
            assert (
                created.headers["location"]
                == f"http://testserver/media/v1/jobs/{created.json()['id']}"
            )
            assert_problem(await http.get("/media/v1/jobs/unknown"), 404)
            assert "/media/v1/stories" in host.openapi()["paths"]
            await container.job_tasks().wait(created.json()["id"], within_s=30)
