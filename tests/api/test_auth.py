"""Bearer-token authentication: on with a token, off without one on loopback, constant-time
comparison, and the loopback rule."""

from __future__ import annotations

import hmac

import httpx
import pytest
from fastapi import FastAPI

from storyreel.api import auth
from storyreel.api.auth import check_bind, check_token, is_loopback_host
from storyreel.api.problems import ApiProblem
from storyreel.containers import Container
from storyreel.errors import ConfigError
from storyreel.settings import Settings, load_settings

from .conftest import TOKEN, assert_problem, emulator_stats


def with_token(settings: Settings, token: str | None) -> Settings:
    data = settings.model_dump()
    data["api"]["token"] = token
    return settings.model_validate(data)


class TestTokenConfigured:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        return load_settings(
            {"backend": "offline", "output_dir": str(offline_settings.output_dir)},
            env={"STORYREEL_API_TOKEN": TOKEN},
            dotenv=None,
        )

    async def test_auth_missing_or_wrong_token_is_401(self, client: httpx.AsyncClient) -> None:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            response = await client.get("/v1/jobs", headers=headers)
            assert_problem(response, 401)
            assert response.headers["www-authenticate"] == "Bearer"
            assert TOKEN not in response.text

    async def test_auth_right_token_passes(self, client: httpx.AsyncClient) -> None:
        response = await client.get("/v1/jobs", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text

    async def test_auth_healthz_is_open_readyz_is_not(self, client: httpx.AsyncClient) -> None:
        assert (await client.get("/healthz")).status_code == 200
        assert_problem(await client.get("/readyz"), 401)
        ready = await client.get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ready.status_code == 200

    async def test_auth_upload_without_token_is_401_before_the_body(
        self, client: httpx.AsyncClient
    ) -> None:
        response = await client.post(
            "/v1/characters", files=[("images", ("a.png", b"not read at all", "image/png"))]
        )
        assert_problem(response, 401)

    @pytest.mark.parametrize("path", ["/openapi.json", "/docs", "/redoc"])
    async def test_auth_docs_need_the_token_too(self, client: httpx.AsyncClient, path: str) -> None:
        for headers in ({}, {"Authorization": "Bearer wrong-token-0123456789"}):
            assert_problem(await client.get(path, headers=headers), 401)
        response = await client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.text
        if path == "/openapi.json":
            assert "/v1/videos" in response.json()["paths"]
        else:
            assert "/openapi.json" in response.text

    async def test_auth_openapi_declares_the_bearer_scheme(self, app: FastAPI) -> None:
        schemes = app.openapi()["components"]["securitySchemes"]
        assert schemes["storyreelToken"] == {
            "type": "http",
            "scheme": "bearer",
            "description": "The value of STORYREEL_API_TOKEN on the server.",
        }


async def test_auth_without_token_loopback_is_open(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/jobs")).status_code == 200
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert (await client.get(path)).status_code == 200, path
    assert (
        "storyreelToken"
        in (await client.get("/openapi.json")).json()["components"]["securitySchemes"]
    )


async def test_auth_without_token_a_request_from_a_public_interface_is_401(
    app: FastAPI,
) -> None:
    # A host application may bind 0.0.0.0 with storyreel mounted and no token: the server
    # address of the request shows it arrived from outside loopback.
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://10.20.30.40") as http:
            assert_problem(await http.get("/v1/jobs"), 401)
            assert_problem(await http.get("/openapi.json"), 401)
            assert (await http.get("/healthz")).status_code == 200


def test_auth_check_token_compares_in_constant_time(
    offline_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real_compare = hmac.compare_digest

    def recording_compare(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real_compare(a, b)

    monkeypatch.setattr(auth.hmac, "compare_digest", recording_compare)
    settings = with_token(offline_settings, TOKEN)
    check_token(settings, TOKEN, "127.0.0.1")
    with pytest.raises(ApiProblem):
        check_token(settings, "nope", "127.0.0.1")
    assert compared == [(TOKEN.encode(), TOKEN.encode()), (b"nope", TOKEN.encode())]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("192.168.1.10", False),
        ("::", False),
        ("example.com", False),
    ],
)
def test_auth_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_auth_check_bind_refuses_public_host_without_token(offline_settings: Settings) -> None:
    check_bind("127.0.0.1", offline_settings)
    with pytest.raises(ConfigError, match="STORYREEL_API_TOKEN"):
        check_bind("0.0.0.0", offline_settings)
    check_bind("0.0.0.0", with_token(offline_settings, TOKEN))


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://testserver", "Sec-Fetch-Site": "same-site"},
    ],
    ids=["foreign-origin", "opaque-origin", "cross-site", "same-site"],
)
async def test_auth_without_token_a_post_from_another_site_is_403_and_spends_nothing(
    client: httpx.AsyncClient, container: Container, headers: dict[str, str]
) -> None:
    # Loopback needs no token, so any page a local browser opens could post here: the
    # browser's own headers say where the request came from.
    before = emulator_stats(container)["requests"].get("chat.completions", 0)
    answer = await client.post("/v1/memes", json={"topic": "a storm"}, headers=headers)
    assert_problem(answer, 403)
    assert emulator_stats(container)["requests"].get("chat.completions", 0) == before


async def test_auth_without_token_a_post_from_the_page_itself_passes(
    client: httpx.AsyncClient, container: Container
) -> None:
    before = emulator_stats(container)["requests"].get("chat.completions", 0)
    headers = {"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"}
    answer = await client.post("/v1/memes", json={"topic": "a storm"}, headers=headers)
    assert answer.status_code == 200, answer.text
    # curl and the SDKs send no Origin at all.
    assert (await client.post("/v1/memes", json={"topic": "a storm"})).status_code == 200
    assert emulator_stats(container)["requests"]["chat.completions"] == before + 2
