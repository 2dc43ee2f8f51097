"""One time format everywhere: `storyreel jobs` (table and --json) and the HTTP API show a
job's times as ISO 8601 in UTC with a Z."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from storyreel.api import create_app
from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.containers import close_container, create_container
from storyreel.domain.timestamps import iso_utc
from storyreel.jobs.models import JobInput, JobRecord, JobStatus
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.settings import Settings

CREATED = datetime(2026, 12, 2, 21, 4, 5, 123456, tzinfo=UTC)
SHOWN = "2026-12-02T21:04:05Z"
ISO_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture
def job_id(offline_settings: Settings) -> str:
    """A finished job in the output folder's store, created at :data:`CREATED`."""
    store = SqliteJobStore.in_output_dir(offline_settings.output_dir)
    job = JobRecord(
        id="20261202-210405-abc123",
        status=JobStatus.FAILED,
        created_at=CREATED,
        updated_at=CREATED + timedelta(seconds=30),
        input=JobInput(idea="a kite festival", segments=1),
        out_dir=str(offline_settings.output_dir / "20261202-210405-abc123"),
    )
    try:
        store.create(job)
    finally:
        store.close()
    return job.id


def test_timestamps_iso_utc_is_to_the_second_with_z() -> None:
    assert iso_utc(CREATED) == SHOWN
    assert iso_utc(CREATED.astimezone(timezone(timedelta(hours=-5)))) == SHOWN
    assert iso_utc(CREATED.replace(tzinfo=None)) == SHOWN


def test_timestamps_cli_and_api_show_created_at_alike(
    offline_settings: Settings, job_id: str
) -> None:
    cli_app._register()
    runner = CliRunner()
    listed = runner.invoke(
        cli_app.app, ["jobs", "--json"], obj=CliState(_settings=offline_settings)
    )
    table = runner.invoke(cli_app.app, ["jobs"], obj=CliState(_settings=offline_settings))

    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)[0]["created_at"] == SHOWN
    assert table.exit_code == 0, table.output
    assert SHOWN in table.stdout

    api = _api_documents(offline_settings, job_id)
    assert api["list"][0]["created_at"] == SHOWN
    assert api["detail"]["created_at"] == SHOWN
    assert ISO_Z.fullmatch(api["detail"]["updated_at"])
    schema = api["openapi"]["components"]["schemas"]["JobSummary"]["properties"]["created_at"]
    assert (schema["type"], schema["format"]) == ("string", "date-time")


def _api_documents(settings: Settings, job_id: str) -> dict[str, Any]:
    import asyncio

    container = create_container(settings)

    async def fetch() -> dict[str, Any]:
        app = create_app(container)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                listed = (await c.get("/v1/jobs")).json()
                detail = (await c.get(f"/v1/jobs/{job_id}")).json()
                openapi = (await c.get("/openapi.json")).json()
        return {"list": listed, "detail": detail, "openapi": openapi}

    try:
        return asyncio.run(fetch())
    finally:
        close_container(container)


def test_timestamps_readme_says_the_format() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert "ISO 8601 in UTC" in readme
