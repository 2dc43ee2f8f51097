"""One object graph per application: two apps in one process never share a container."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from storyreel.api import create_app
from storyreel.containers import Container, close_container, create_container
from storyreel.controllers import cinematographer, screenwriter
from storyreel.domain.story import Story
from storyreel.errors import ConfigError
from storyreel.jobs.models import SERVER_ROLE, JobStatus, parse_owner
from storyreel.settings import Settings


def _settings(base: Settings, output: Path) -> Settings:
    data = base.model_dump()
    data["output_dir"] = str(output)
    return Settings.model_validate(data)


STORY: dict[str, Any] = {
    "title": "Two studios",
    "logline": "Each studio keeps its own reels.",
    "segments": [
        {"index": 1, "narration": "One.", "visual_prompt": "a kite", "duration_seconds": 4}
    ],
}


async def test_two_apps_each_job_lands_in_its_own_store(
    offline_settings: Settings, tmp_path: Path
) -> None:
    first = create_container(_settings(offline_settings, tmp_path / "first"))
    second = create_container(_settings(offline_settings, tmp_path / "second"))
    try:
        apps = [create_app(first), create_app(second)]  # the second created last
        ids = []
        for app, container in zip(apps, (first, second), strict=True):
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                    created = await http.post("/v1/videos", json={"story": STORY})
                    assert created.status_code == 202, created.text
                    job_id = created.json()["id"]
                    await container.job_tasks().wait(job_id, within_s=60)
                    ids.append(job_id)
        assert [job.id for job in first.job_store().list_jobs()] == [ids[0]]
        assert [job.id for job in second.job_store().list_jobs()] == [ids[1]]
        for container, job_id in ((first, ids[0]), (second, ids[1])):
            job = container.job_store().get(job_id)
            assert job.status is JobStatus.SUCCEEDED
            # Jobs the API accepted carry the server role, whichever app took them.
            assert parse_owner(job.owner or "")[2] == SERVER_ROLE
    finally:
        close_container(first)
        close_container(second)


def test_two_apps_a_server_leaves_later_containers_local(
    offline_settings: Settings, tmp_path: Path
) -> None:
    served = create_container(_settings(offline_settings, tmp_path / "served"), wire=False)
    create_app(served)
    later = create_container(_settings(offline_settings, tmp_path / "later"), wire=False)
    try:
        job = later.job_runner().create_from_story(Story.model_validate(STORY))
        assert parse_owner(job.owner or "")[2] == "local"
    finally:
        close_container(served)
        close_container(later)


@pytest.fixture
def unwired() -> Container:
    """A container wired to the entry points, then unwired: as if none had been created."""
    built = create_container(backend="offline")
    built.unwire()
    return built


async def test_entry_point_without_a_container_says_what_to_call(unwired: Container) -> None:
    try:
        with pytest.raises(ConfigError, match=r"create_container\(\)"):
            await cinematographer.make_video("a kite")
        with pytest.raises(ConfigError, match=r"create_container\(\)"):
            await screenwriter.write_meme("kites")
    finally:
        close_container(unwired)
