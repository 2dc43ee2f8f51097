"""Kite Studio's own tests: its routes and storyreel's, with the video client overridden."""

from __future__ import annotations

import asyncio

import httpx
from host_app import Container

from storyreel.testing import RecordingGenai

STORY = {
    "title": "Kites",
    "logline": "Two kites race the wind.",
    "segments": [
        {
            "index": 1,
            "narration": "Up.",
            "visual_prompt": "a red kite rises",
            "duration_seconds": 4,
        },
        {
            "index": 2,
            "narration": "Away.",
            "visual_prompt": "a blue kite dives",
            "duration_seconds": 4,
        },
    ],
}


async def test_pitch_uses_host_and_storyreel_services(client: httpx.AsyncClient) -> None:
    response = await client.get("/pitch/Ada")
    assert response.status_code == 200, response.text
    assert response.json()["greeting"] == "Welcome to Kite Studio, Ada!"
    assert response.json()["meme_caption"]


async def test_video_job_with_the_video_client_overridden(
    client: httpx.AsyncClient, container: Container
) -> None:
    fake = RecordingGenai()
    with container.genai_client.override(fake):
        created = await client.post("/media/v1/videos", json={"story": STORY})
        assert created.status_code == 202, created.text
        assert created.headers["location"].startswith("http://studio/media/v1/jobs/")
        job_id = created.json()["id"]
        for _ in range(200):
            job = (await client.get(f"/media/v1/jobs/{job_id}")).json()
            if job["status"] not in ("queued", "running"):
                break
            await asyncio.sleep(0.05)
        clip = await client.get(f"/media/v1/jobs/{job_id}/files/clips/segment-02.mp4")

    assert job["status"] == "succeeded", job["reasons"]
    assert fake.video_submissions == 2
    prompts = [call.kwargs["source"].prompt for call in fake.calls_of("generate_videos")]
    assert any("a blue kite dives" in prompt for prompt in prompts)
    assert clip.content[4:8] == b"ftyp"


async def test_storyreel_errors_are_problem_documents(client: httpx.AsyncClient) -> None:
    response = await client.get("/media/v1/jobs/no-such-job")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
