"""The studio page's routes (the page and its files, at / and under a router's prefix), the
cost estimate it asks before starting a job, and the job listing it shows."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

import storyreel.api
from storyreel.containers import Container
from storyreel.settings import Settings

from .conftest import TOKEN, assert_problem
from .test_routes_media import start_video, wait_for

ASSET = re.compile(r'(?:href|src)="([^"]+)"')
IMPORT = re.compile(r'from "\./([a-z-]+\.js)"')


async def page_files(client: httpx.AsyncClient, page_path: str) -> dict[str, str]:
    """Every file the page at ``page_path`` loads, its scripts' imports included, each
    fetched: path -> content type."""
    page = await client.get(page_path)
    assert page.status_code == 200, page.text
    queue = [link for link in ASSET.findall(page.text) if "/studio/" in link]
    found: dict[str, str] = {}
    while queue:
        path = queue.pop()
        if path in found:
            continue
        response = await client.get(path)
        assert response.status_code == 200, path
        found[path] = response.headers["content-type"]
        if path.endswith(".js"):
            folder = path.rsplit("/", 1)[0]
            queue += [f"{folder}/{name}" for name in IMPORT.findall(response.text)]
    return found


async def test_routes_studio_page_at_root_loads_only_its_own_files(
    client: httpx.AsyncClient,
) -> None:
    page = await client.get("/")

    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<meta name="storyreel-api" content="">' in page.text
    assert "http" not in "".join(ASSET.findall(page.text))  # nothing from another site
    files = await page_files(client, "/")
    assert {path.rsplit("/", 1)[1] for path in files} >= {
        "app.js", "api.js", "dom.js", "job.js", "jobs.js", "new-video.js", "story.js",
        "studio.css", "icon.svg",
    }  # fmt: skip
    assert files["/studio/app.js"].startswith("text/javascript")
    assert files["/studio/studio.css"].startswith("text/css")
    same = await client.get("/studio/")
    assert same.text == page.text


async def test_routes_studio_unknown_files_and_slashless_path(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/studio/missing.js"), 404)
    assert_problem(await client.get("/studio/index.html"), 404)  # the page only as a page
    assert (await client.get("/studio/..%2Fapp.py")).status_code == 404
    redirect = await client.get("/studio")
    assert redirect.status_code == 308
    assert redirect.headers["location"].endswith("/studio/")


@pytest.fixture
async def host(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    """A host application that mounts storyreel's router under /media."""
    app = FastAPI()
    storyreel.api.attach(app, container)
    app.include_router(storyreel.api.build_router(), prefix="/media")
    storyreel.api.install_problem_handlers(app)
    async with storyreel.api.storyreel_lifespan(container):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http


async def test_routes_studio_under_a_hosts_prefix(host: httpx.AsyncClient) -> None:
    page = await host.get("/media/studio/")

    assert '<meta name="storyreel-api" content="/media">' in page.text
    files = await page_files(host, "/media/studio/")
    assert "/media/studio/app.js" in files
    assert (await host.get("/")).status_code == 404  # the host's root stays the host's


class TestWithToken:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        api = offline_settings.api.model_copy(update={"token": SecretStr(TOKEN)})
        return offline_settings.model_copy(update={"api": api})

    async def test_routes_studio_page_needs_no_token_but_the_api_does(
        self, client: httpx.AsyncClient
    ) -> None:
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/studio/app.js")).status_code == 200
        assert_problem(await client.get("/v1/jobs"), 401)
        assert_problem(await client.post("/v1/estimates", json={"idea": "a kite"}), 401)


async def test_routes_studio_estimate_prices_the_job_without_creating_it(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    answer = await client.post("/v1/estimates", json={"idea": "a kite", "segments": 3})

    assert answer.status_code == 200, answer.text
    estimate = answer.json()
    duration = api_settings.video.duration_seconds
    assert estimate["video_seconds"] == 3 * duration
    assert estimate["images"] >= 1  # the thumbnail, and any keyframes and sheets
    assert estimate["speech_seconds"] == 0  # narration is off in these settings
    assert estimate["model"] == api_settings.google.video_model
    assert estimate["aspect_ratio"] == api_settings.video.aspect_ratio
    assert estimate["billed"] is False
    assert estimate["confirm_above_usd"] == api_settings.video.confirm_above_usd
    assert estimate["usd"] > 0
    assert (await client.get("/v1/jobs")).json() == []
    longer = await client.post("/v1/estimates", json={"idea": "a kite", "segments": 6})
    assert longer.json()["usd"] > estimate["usd"]
    assert_problem(await client.post("/v1/estimates", json={"idea": "a kite", "segments": 0}), 422)
    assert_problem(await client.post("/v1/estimates", json={}), 422)


async def test_routes_studio_job_list_has_what_a_list_shows(client: httpx.AsyncClient) -> None:
    job_id = await start_video(client, idea="a paper boat crosses the sea", segments=2)
    job = await wait_for(client, job_id)
    assert job["status"] == "succeeded", job["reasons"]

    (listed,) = (await client.get("/v1/jobs")).json()

    assert listed["id"] == job_id
    assert listed["title"] == job["title"]
    assert listed["estimated_cost_usd"] == job["estimated_cost_usd"]
    assert listed["duration_seconds"] == sum(
        c["duration_seconds"] for c in job["manifest"]["clips"]
    )
    assert listed["thumbnail"] == job["manifest"]["thumbnail"]
    image = await client.get(f"/v1/jobs/{job_id}/files/{listed['thumbnail']}")
    assert image.headers["content-type"] == "image/png"
