"""The browser session: the token exchanged for a signed, expiring HttpOnly cookie that every
guarded route accepts, a custom header required for changes made with it, and logout."""

from __future__ import annotations

import logging
import stat
import time

import httpx
import pytest

from storyreel.api.session_cookie import (
    COOKIE_NAME,
    CSRF_HEADER,
    KEY_FILENAME,
    expiry,
    issue,
    session_key,
)
from storyreel.settings import Settings, load_settings

from .conftest import TOKEN, assert_problem
from .test_routes_media import start_video, wait_for

BEARER = {"Authorization": f"Bearer {TOKEN}"}


def token_settings(settings: Settings, token: str = TOKEN, **api: object) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(settings.output_dir),
            "narration": {"enabled": False},
            "reel": {"enabled": False},
            "api": api,
        },
        env={"STORYREEL_API_TOKEN": token},
        dotenv=None,
    )


@pytest.fixture
def api_settings(offline_settings: Settings) -> Settings:
    return token_settings(offline_settings)


async def login(client: httpx.AsyncClient) -> str:
    """Log in; the cookie's value (sent back by hand: the test client keeps no jar)."""
    response = await client.post("/v1/session", json={"token": TOKEN})
    assert response.status_code == 204, response.text
    client.cookies.clear()
    value = response.cookies[COOKIE_NAME]
    assert value
    return value


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"{COOKIE_NAME}={value}"}


async def test_session_wrong_token_is_refused_without_a_cookie(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/session", json={"token": "wrong-token-0123456789"})

    assert_problem(response, 401)
    assert "set-cookie" not in response.headers
    state = (await client.get("/v1/session")).json()
    assert state == {
        "token_required": True,
        "authenticated": False,
        "via": None,
        "expires_at": None,
    }


async def test_session_cookie_is_httponly_samesite_strict_and_expiring(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/v1/session", json={"token": TOKEN})

    assert response.status_code == 204, response.text
    attributes = [part.strip().lower() for part in response.headers["set-cookie"].split(";")]
    assert attributes[0].startswith(f"{COOKIE_NAME}=")
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    assert "max-age=43200" in attributes
    assert "secure" not in attributes  # plain http on loopback; https gets Secure
    assert TOKEN not in response.headers["set-cookie"]


async def test_session_cookie_opens_guarded_routes_and_files(client: httpx.AsyncClient) -> None:
    client.headers.update(BEARER)
    job_id = await start_video(client, idea="a paper boat", segments=1)
    await wait_for(client, job_id)
    del client.headers["Authorization"]
    value = await login(client)

    listing = await client.get("/v1/jobs", headers=cookie(value))
    story = await client.get(f"/v1/jobs/{job_id}/files/story.json", headers=cookie(value))
    events = await client.get(f"/v1/jobs/{job_id}/events", headers=cookie(value))
    docs = await client.get("/docs/assets/swagger-ui.css", headers=cookie(value))
    state = (await client.get("/v1/session", headers=cookie(value))).json()

    assert listing.status_code == 200, listing.text
    assert [job["id"] for job in listing.json()] == [job_id]
    assert story.status_code == 200, story.text
    assert story.json()["segments"]
    assert events.status_code == 200
    assert "event: end" in events.text
    assert docs.status_code == 200
    assert state["authenticated"] is True
    assert state["via"] == "cookie"
    assert state["expires_at"].endswith("Z")
    assert_problem(await client.get("/v1/jobs"), 401)  # and nothing without it


async def test_session_changes_with_the_cookie_need_the_custom_header(
    client: httpx.AsyncClient,
) -> None:
    value = await login(client)

    refused = await client.post("/v1/jobs/no-such-job/resume", headers=cookie(value))
    wrong = await client.post(
        "/v1/jobs/no-such-job/resume", headers={**cookie(value), CSRF_HEADER: "yes"}
    )
    admitted = await client.post(
        "/v1/jobs/no-such-job/resume", headers={**cookie(value), CSRF_HEADER: "1"}
    )
    read = await client.get("/v1/jobs/no-such-job", headers=cookie(value))

    assert CSRF_HEADER in assert_problem(refused, 403)["detail"]
    assert_problem(wrong, 403)
    assert_problem(admitted, 404)  # past the guard: the job does not exist
    assert_problem(read, 404)  # reading needs no header


async def test_session_bearer_needs_no_custom_header(client: httpx.AsyncClient) -> None:
    response = await client.post("/v1/jobs/no-such-job/resume", headers=BEARER)

    assert_problem(response, 404)


async def test_session_logout_clears_the_cookie(client: httpx.AsyncClient) -> None:
    value = await login(client)

    refused = await client.delete("/v1/session", headers=cookie(value))
    response = await client.delete("/v1/session", headers={**cookie(value), CSRF_HEADER: "1"})

    assert_problem(refused, 403)
    assert response.status_code == 204
    cleared = response.headers["set-cookie"].lower()
    assert cleared.startswith(f'{COOKIE_NAME}=""') or cleared.startswith(f"{COOKIE_NAME}=;")
    assert "max-age=0" in cleared


async def test_session_expired_cookie_is_refused(
    client: httpx.AsyncClient, api_settings: Settings
) -> None:
    key = session_key(api_settings)
    old = issue(key, 3600, now=time.time() - 3601)

    response = await client.get("/v1/jobs", headers=cookie(old))

    assert_problem(response, 401)
    assert expiry(key, old) is None
    assert expiry(key, issue(key, 3600)) is not None


async def test_session_tampered_cookie_is_refused(client: httpx.AsyncClient) -> None:
    value = await login(client)
    version, expires, nonce, signature = value.split(".")
    later = f"{version}.{int(expires) + 86400}.{nonce}.{signature}"
    resigned = f"{version}.{expires}.{nonce}.{signature[:-2]}AA"
    other_nonce = f"{version}.{expires}.{nonce[::-1]}.{signature}"

    for forged in (later, resigned, other_nonce, "v1.1.2", "garbage"):
        assert_problem(await client.get("/v1/jobs", headers=cookie(forged)), 401)
    # A signature with a non-ASCII (Latin-1) character is refused, not a server error.
    latin = f"{COOKIE_NAME}={version}.{expires}.{nonce}.{signature[:-1]}é".encode("latin-1")
    assert_problem(await client.get("/v1/jobs", headers=[(b"cookie", latin)]), 401)
    assert (await client.get("/v1/jobs", headers=cookie(value))).status_code == 200


def test_session_a_new_token_or_secret_ends_every_session(offline_settings: Settings) -> None:
    before = token_settings(offline_settings)
    value = issue(session_key(before), 3600)

    new_token = token_settings(offline_settings, token="another-token-0123456789")
    new_secret = token_settings(offline_settings, session_secret="a-server-secret-of-ours")

    assert expiry(session_key(before), value) is not None
    assert expiry(session_key(new_token), value) is None
    assert expiry(session_key(new_secret), value) is None


def test_session_key_is_kept_owner_only_in_the_output_folder(offline_settings: Settings) -> None:
    settings = token_settings(offline_settings)

    first = session_key(settings)

    kept = settings.output_dir / KEY_FILENAME
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert len(kept.read_text().strip()) == 64
    assert session_key(token_settings(offline_settings)) == first


async def test_session_secrets_never_reach_logs_or_answers(
    client: httpx.AsyncClient, api_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    value = await login(client)
    kept = (api_settings.output_dir / KEY_FILENAME).read_text().strip()
    answers = [
        await client.post("/v1/session", json={"token": TOKEN[:-1] + "x"}),
        await client.get("/v1/jobs", headers=cookie(value + "x")),
        await client.post("/v1/jobs/x/resume", headers=cookie(value)),
        await client.get("/v1/session", headers=cookie(value)),
    ]

    told = caplog.text + "".join(answer.text + str(answer.headers) for answer in answers)
    for secret in (TOKEN, TOKEN[:-1] + "x", kept, value):
        assert secret not in told


class TestWithoutToken:
    @pytest.fixture
    def api_settings(self, offline_settings: Settings) -> Settings:
        return offline_settings

    async def test_session_loopback_needs_no_login(self, client: httpx.AsyncClient) -> None:
        state = (await client.get("/v1/session")).json()
        login_answer = await client.post("/v1/session", json={"token": "anything-at-all"})

        assert state["token_required"] is False
        assert state["via"] == "loopback"
        assert login_answer.status_code == 204
        assert "set-cookie" not in login_answer.headers
