"""The job API shows a step waiting for budget, even when another process is the one waiting."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import httpx
import pytest

from storyreel.api import create_app
from storyreel.containers import close_container, create_container
from storyreel.quota import BudgetStore, QuotaWait, default_store_path
from storyreel.settings import Settings


@pytest.fixture
async def api(offline_settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    container = create_container(offline_settings)
    job = container.job_runner().create("a heron fishing at dawn", segments=2)
    app = create_app(container)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            yield http, job.id
    close_container(container)


async def test_job_detail_lists_quota_waits_of_any_process(
    api: tuple[httpx.AsyncClient, str], offline_settings: Settings
) -> None:
    http, job_id = api
    before = (await http.get(f"/v1/jobs/{job_id}")).json()
    assert before["quota_waits"] == []
    # Another process sharing the output folder, its clip 1 waiting for Veo quota.
    other = BudgetStore(default_store_path(offline_settings.output_dir))
    since = time.time()
    other.set_wait("w1", QuotaWait(job_id, "clip-01", "waiting for Veo quota", since))
    other.set_wait("w2", QuotaWait("another-job", "clip-01", "waiting for Veo quota", since))
    try:
        waits = (await http.get(f"/v1/jobs/{job_id}")).json()["quota_waits"]
        assert [(w["step"], w["what"]) for w in waits] == [("clip-01", "waiting for Veo quota")]
        other.clear_wait("w1")
        assert (await http.get(f"/v1/jobs/{job_id}")).json()["quota_waits"] == []
    finally:
        other.close()
