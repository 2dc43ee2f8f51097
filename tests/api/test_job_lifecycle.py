"""A job's life over HTTP: a story posted back as it was written, a cancel that reads
``cancelled``, a resume answered ``queued``, and a finished job with nothing to resume."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from storyreel.containers import Container
from storyreel.settings import Settings

from .conftest import assert_problem, emulator_stats
from .test_routes_media import start_video, wait_for


def requests_to(container: Container, route: str) -> int:
    return int(emulator_stats(container)["requests"][route])


async def test_job_lifecycle_a_written_story_posts_back_as_it_came(
    client: httpx.AsyncClient, container: Container
) -> None:
    written = await client.post("/v1/stories", json={"idea": "a paper kite", "segments": 2})
    assert written.status_code == 200, written.text
    story: dict[str, Any] = written.json()
    assert "usage" in story
    story["segments"][0]["narration"] = "The kite, edited by hand, climbs."

    job_id = await start_video(client, story=story)
    job = await wait_for(client, job_id)

    assert job["status"] == "succeeded", job
    assert job["title"] == story["title"]
    saved = (await client.get(f"/v1/jobs/{job_id}/files/story.json")).json()
    assert saved["segments"][0]["narration"] == "The kite, edited by hand, climbs."
    assert "usage" not in saved
    assert job["usage"] == {"prompt_tokens": 0, "completion_tokens": 0, "cost_usd": None}
    assert requests_to(container, "chat.completions") == 1  # the story, never again
    assert emulator_stats(container)["video_submissions"] == 2


async def test_job_lifecycle_a_story_still_refuses_unknown_members(
    client: httpx.AsyncClient,
) -> None:
    written = (
        await client.post("/v1/stories", json={"idea": "a paper kite", "segments": 1})
    ).json()

    response = await client.post("/v1/videos", json={"story": {**written, "mood": "grim"}})

    problem = assert_problem(response, 422)
    assert ["body", "story", "mood"] in [error["loc"] for error in problem["errors"]]


async def test_job_lifecycle_resume_of_a_succeeded_job_is_409_nothing_to_resume(
    client: httpx.AsyncClient, container: Container
) -> None:
    job_id = await start_video(client, idea="a red kite", segments=1)
    assert (await wait_for(client, job_id))["status"] == "succeeded"

    problem = assert_problem(await client.post(f"/v1/jobs/{job_id}/resume"), 409)

    assert problem["detail"] == f"job {job_id} has already succeeded; there is nothing to resume"
    assert emulator_stats(container)["video_submissions"] == 1


class TestCancelThenResume:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        data = offline_settings.model_dump()
        data["emulator"]["video_latency_s"] = 1.5
        return offline_settings.model_validate(data)

    async def test_job_lifecycle_cancelled_reads_cancelled_and_resume_answers_queued(
        self, client: httpx.AsyncClient, container: Container
    ) -> None:
        job_id = await start_video(client, idea="a long voyage", segments=2)
        await wait_for(client, job_id, ("running",))
        while emulator_stats(container)["video_submissions"] < 2:
            await asyncio.sleep(0.02)

        cancelled = (await client.delete(f"/v1/jobs/{job_id}")).json()

        assert cancelled["status"] == cancelled["manifest"]["status"] == "cancelled"
        assert "job: cancelled" in cancelled["reasons"]
        listed = (await client.get("/v1/jobs")).json()
        assert [(job["id"], job["status"]) for job in listed] == [(job_id, "cancelled")]

        resumed = await client.post(f"/v1/jobs/{job_id}/resume")

        assert resumed.status_code == 202, resumed.text
        assert resumed.json()["status"] == "queued"
        # The store says so too: whoever reads the job next never sees the old outcome.
        assert container.job_store().get(job_id).status.value in ("queued", "running")
        now = (await client.get(f"/v1/jobs/{job_id}")).json()
        assert now["status"] in ("queued", "running"), now
        finished = await wait_for(client, job_id)
        assert finished["status"] == "succeeded"
        assert emulator_stats(container)["video_submissions"] == 2
