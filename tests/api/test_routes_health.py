"""/healthz and /readyz."""

from __future__ import annotations

import httpx
import pytest

from storyreel.containers import Container
from storyreel.settings import Settings


async def test_routes_health_healthz_is_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_routes_health_readyz_checks_config_and_store(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "ready", "checks": {"config": "ok", "job_store": "ok"}}


class TestUnwritableOutput:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        # output_dir is a file: neither the job store nor a job folder can live there.
        blocker = offline_settings.output_dir / "not-a-folder"
        blocker.write_text("x")
        data = offline_settings.model_dump()
        data["output_dir"] = str(blocker)
        return offline_settings.model_validate(data)

    async def test_routes_health_readyz_is_503_when_the_store_cannot_open(
        self, offline_settings: Settings, api_settings: Settings
    ) -> None:
        from storyreel.api import create_app
        from storyreel.containers import create_container

        # No lifespan: it would fail to open the store, which is what readiness reports.
        app = create_app(create_container(api_settings))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/readyz")
            healthz = await http.get("/healthz")
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["status"] == "not ready"
        assert body["checks"]["config"] == "ok"
        assert body["checks"]["job_store"].startswith("not writable")
        assert healthz.status_code == 200


async def test_routes_health_readyz_reports_a_damaged_store(
    client: httpx.AsyncClient, container: Container
) -> None:
    store = container.job_store()
    store.close()
    data = bytearray(store.path.read_bytes())
    data[:100] = b"\xa5" * 100  # the header: not a database any more
    store.path.write_bytes(bytes(data))
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["job_store"].startswith("failing: the job store")
    assert "damaged" in response.json()["checks"]["job_store"]
