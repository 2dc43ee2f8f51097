"""Video jobs and thumbnails through the app, against the emulator: create, poll, download,
cancel, resume, and the file route's refusal of any path outside the job."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI

from storyreel.containers import Container
from storyreel.services.google.files import image_size, is_mp4
from storyreel.settings import Settings

from .conftest import assert_problem, emulator_stats

FINAL = ("succeeded", "partial", "failed", "cancelled")


async def wait_for(
    client: httpx.AsyncClient, job_id: str, statuses: tuple[str, ...] = FINAL, within_s: float = 30
) -> dict[str, Any]:
    """Poll ``GET /v1/jobs/{id}`` until its status is one of ``statuses``."""
    deadline = time.monotonic() + within_s
    while True:
        response = await client.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in statuses:
            return job
        assert time.monotonic() < deadline, f"job stuck in {job['status']}"
        await asyncio.sleep(0.05)


async def start_video(client: httpx.AsyncClient, **body: Any) -> str:
    response = await client.post("/v1/videos", json=body)
    assert response.status_code == 202, response.text
    job_id: str = response.json()["id"]
    assert response.headers["location"].endswith(f"/v1/jobs/{job_id}")
    return job_id


async def test_routes_media_video_job_end_to_end(
    client: httpx.AsyncClient, container: Container
) -> None:
    job_id = await start_video(client, idea="a paper boat crosses the sea", segments=2)

    job = await wait_for(client, job_id)

    assert job["status"] == "succeeded", job
    assert job["progress"]["clips_total"] == job["progress"]["clips_done"] == 2
    assert job["manifest"]["status"] == "succeeded"
    assert [clip["path"] for clip in job["manifest"]["clips"]] == [
        "clips/segment-01.mp4",
        "clips/segment-02.mp4",
    ]
    assert set(job["files"]) >= {"clips/segment-01.mp4", "thumbnail.png", "manifest.json"}
    assert emulator_stats(container)["video_submissions"] == 2

    clip = await client.get(f"/v1/jobs/{job_id}/files/clips/segment-01.mp4")
    assert clip.status_code == 200
    assert clip.headers["content-type"] == "video/mp4"
    assert is_mp4(clip.content)

    part = await client.get(
        f"/v1/jobs/{job_id}/files/clips/segment-01.mp4", headers={"Range": "bytes=4-11"}
    )
    assert part.status_code == 206
    assert part.content == clip.content[4:12]
    assert part.content.startswith(b"ftyp")
    assert part.headers["content-range"] == f"bytes 4-11/{len(clip.content)}"

    thumbnail = await client.get(f"/v1/jobs/{job_id}/files/thumbnail.png")
    assert thumbnail.headers["content-type"] == "image/png"
    assert image_size(thumbnail.content)[0] > 0


async def test_routes_media_video_from_a_ready_story(client: httpx.AsyncClient) -> None:
    story = {
        "title": "Boat",
        "logline": "A boat.",
        "segments": [
            {"index": 1, "narration": "It sails.", "visual_prompt": "a boat", "duration_seconds": 4}
        ],
    }
    job_id = await start_video(client, story=story)
    job = await wait_for(client, job_id)
    assert job["status"] == "succeeded"
    assert job["title"] == "Boat"
    assert job["manifest"]["clips"][0]["duration_seconds"] == 4


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"idea": "x", "story": {"title": "t", "logline": "l", "segments": []}},
        {"idea": "x", "segments": 0},
        {
            "story": {
                "title": "t",
                "logline": "l",
                "segments": [{"index": 1, "narration": "n", "visual_prompt": "v"}],
            },
            "segments": 2,
        },
    ],
)
async def test_routes_media_video_body_must_be_an_idea_or_a_story(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> None:
    assert_problem(await client.post("/v1/videos", json=body), 422)
    assert (await client.get("/v1/jobs")).json() == []


async def test_routes_media_jobs_are_listed_newest_first(client: httpx.AsyncClient) -> None:
    first = await start_video(client, idea="first", segments=1)
    await wait_for(client, first)
    second = await start_video(client, idea="second", segments=1)
    await wait_for(client, second)
    listing = (await client.get("/v1/jobs")).json()
    assert [job["id"] for job in listing] == [second, first]
    assert listing[0]["idea"] == "second"
    assert listing[0]["status"] == "succeeded"


async def raw_get(app: FastAPI, raw_path: str) -> tuple[int, bytes]:
    """GET ``raw_path`` exactly as given (no client-side normalisation of ``..``), decoded
    into ``scope["path"]`` as uvicorn does."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": unquote(raw_path),
        "raw_path": raw_path.encode("latin-1"),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


TRAVERSALS = (
    "../jobs.sqlite3",
    "clips/../../jobs.sqlite3",
    "clips/../story.json",
    "%2e%2e/jobs.sqlite3",
    "%2E%2E%2Fjobs.sqlite3",
    "clips%2F..%2F..%2Fjobs.sqlite3",
    "%252e%252e/jobs.sqlite3",
    "/etc/passwd",
    "%2Fetc%2Fpasswd",
    "..%5Cjobs.sqlite3",
    "story.json%00.mp4",
    "./story.json",
    "clips/segment-09.mp4",
    "jobs.sqlite3",
)


async def test_routes_media_file_outside_the_job_is_404(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    job_id = await start_video(client, idea="a quiet pond", segments=1)
    await wait_for(client, job_id)
    assert (await client.get(f"/v1/jobs/{job_id}/files/story.json")).status_code == 200

    answers = {path: await raw_get(app, f"/v1/jobs/{job_id}/files/{path}") for path in TRAVERSALS}

    assert {path: status for path, (status, _) in answers.items()} == dict.fromkeys(TRAVERSALS, 404)
    assert not any(b"SQLite" in body or b"root:" in body for _, body in answers.values())


async def test_routes_media_unknown_job_is_404(client: httpx.AsyncClient) -> None:
    for response in (
        await client.get("/v1/jobs/20260101-000000-abcdef"),
        await client.get("/v1/jobs/nope/files/story.json"),
        await client.post("/v1/jobs/nope/resume"),
        await client.delete("/v1/jobs/nope"),
    ):
        assert_problem(response, 404)


async def test_routes_media_a_deleted_clip_is_reported_missing_and_resume_collects_it(
    client: httpx.AsyncClient, container: Container
) -> None:
    job_id = await start_video(client, idea="a red kite", segments=2)
    done = await wait_for(client, job_id)
    assert done["status"] == "succeeded"
    assert done["missing"] == []
    folder = Path(container.job_store().get(job_id).out_dir)
    (folder / "clips" / "segment-02.mp4").unlink()
    (folder / "thumbnail.png").write_bytes(b"")

    job = (await client.get(f"/v1/jobs/{job_id}")).json()

    assert job["status"] == "partial"
    assert job["missing"] == ["clip-02", "thumbnail"]
    assert {"clip-02: missing", "thumbnail: missing"} <= set(job["reasons"])
    assert "clips/segment-02.mp4" not in job["files"]
    resumed = await client.post(f"/v1/jobs/{job_id}/resume")
    assert resumed.status_code == 202, resumed.text
    again = await wait_for(client, job_id)
    assert again["missing"] == []
    assert (folder / "clips" / "segment-02.mp4").is_file()
    assert emulator_stats(container)["video_submissions"] == 2


class TestSlowClips:
    """Clips that take a while, so that a job can be caught running."""

    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        data = offline_settings.model_dump()
        data["emulator"]["video_latency_s"] = 1.5
        return offline_settings.model_validate(data)

    async def test_routes_media_cancel_stops_submitting_and_keeps_operations(
        self, client: httpx.AsyncClient, container: Container
    ) -> None:
        job_id = await start_video(client, idea="a long voyage", segments=2)
        await wait_for(client, job_id, ("running",))
        while emulator_stats(container)["video_submissions"] < 2:
            await asyncio.sleep(0.02)

        response = await client.delete(f"/v1/jobs/{job_id}")

        assert response.status_code == 200, response.text
        job = response.json()
        assert job["status"] == job["manifest"]["status"] == "cancelled"
        assert any("cancelled" in reason for reason in job["reasons"])
        clips = [s for s in job["progress"]["steps"] if s["key"].startswith("clip-")]
        assert [s["status"] for s in clips] == ["submitted", "submitted"]
        assert job["manifest"]["video_submissions"] == 2
        assert_problem(await client.delete(f"/v1/jobs/{job_id}"), 409)

        resumed = await client.post(f"/v1/jobs/{job_id}/resume")
        assert resumed.status_code == 202, resumed.text
        assert_problem(await client.post(f"/v1/jobs/{job_id}/resume"), 409)
        finished = await wait_for(client, job_id)
        assert finished["status"] == "succeeded"
        assert emulator_stats(container)["video_submissions"] == 2
        assert_problem(await client.post(f"/v1/jobs/{job_id}/resume"), 409)


async def test_routes_media_thumbnail_returns_image_bytes(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/thumbnails", json={"prompt": "a red kite", "aspect_ratio": "16:9"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    width, height = image_size(response.content)
    assert width > height


async def test_routes_media_thumbnail_bad_ratio_is_422(client: httpx.AsyncClient) -> None:
    problem = assert_problem(
        await client.post("/v1/thumbnails", json={"prompt": "x", "aspect_ratio": "7:5"}), 422
    )
    assert "7:5" in problem["detail"]
