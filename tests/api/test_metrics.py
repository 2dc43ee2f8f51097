"""``GET /metrics``: Prometheus text read from the job store, behind the token, moving as a
job runs, and agreeing with ``storyreel stats --json``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.settings import Settings

from .conftest import TOKEN, assert_problem
from .test_routes_media import start_video, wait_for

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def api_settings(offline_settings: Settings) -> Settings:
    data = offline_settings.model_dump()
    data["api"]["token"] = TOKEN
    return offline_settings.model_validate(data)


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def stats_json(settings: Settings) -> dict[str, Any]:
    cli_app._register()
    result = CliRunner().invoke(cli_app.app, ["stats", "--json"], obj=CliState(_settings=settings))
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


async def test_metrics_need_the_token(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/metrics"), 401)
    assert_problem(await client.get("/metrics", headers={"Authorization": "Bearer no"}), 401)
    client.headers["Authorization"] = f"Bearer {TOKEN}"
    samples = await scrape(client)
    assert value(samples, "storyreel_jobs", status="succeeded") == 0


async def test_metrics_move_as_a_job_runs_and_stats_agree(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    client.headers["Authorization"] = f"Bearer {TOKEN}"
    before = await scrape(client)

    job_id = await start_video(client, idea="a paper boat crosses the sea", segments=2)
    assert (await wait_for(client, job_id))["status"] == "succeeded"
    after = await scrape(client)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    model = api_settings.google.video_model
    assert moved("storyreel_jobs", status="succeeded") == 1
    assert moved("storyreel_clips_total", outcome="submitted") == 2
    assert moved("storyreel_clips_total", outcome="succeeded") == 2
    assert moved("storyreel_provider_calls_total", client="google", kind="video_submit") == 2
    assert moved("storyreel_provider_calls_total", client="google", kind="video_poll") >= 2
    assert moved("storyreel_provider_calls_total", client="openrouter", kind="openrouter") >= 1
    assert moved("storyreel_operation_seconds_count", model=model) == 2
    assert moved("storyreel_operation_seconds_sum", model=model) > 0
    assert moved("storyreel_operation_polls_count") == 2
    assert value(after, "storyreel_estimated_spend_usd") > value(
        before, "storyreel_estimated_spend_usd"
    )
    learned = [key for key in after if key[0] == "storyreel_operation_expected_seconds"]
    assert len(learned) == 1

    stats = stats_json(api_settings)
    assert stats["jobs"]["succeeded"] == value(after, "storyreel_jobs", status="succeeded")
    for outcome, count in stats["clips"].items():
        assert count == value(after, "storyreel_clips_total", outcome=outcome)
    for client_name, kinds in stats["provider_calls"].items():
        for kind, entry in kinds.items():
            labels = {"client": client_name, "kind": kind}
            assert entry["calls"] == value(after, "storyreel_provider_calls_total", **labels)
    operations = stats["operations"][model]
    assert operations["count"] == value(after, "storyreel_operation_seconds_count", model=model)
    assert operations["seconds_sum"] == pytest.approx(
        value(after, "storyreel_operation_seconds_sum", model=model), abs=1e-3
    )
    assert stats["polls"]["polls"] == value(after, "storyreel_operation_polls_sum")
    assert stats["estimated_spend_usd"] == pytest.approx(
        value(after, "storyreel_estimated_spend_usd"), abs=1e-6
    )
    (item,) = stats["learned_operation_s"]
    assert dict(learned[0][1])["model"] == item["model"] == model
    assert item["expected_s"] == pytest.approx(after[learned[0]], abs=1e-3)
