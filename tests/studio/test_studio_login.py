"""The studio on a server with a token: the page asks for it once, exchanges it for an
HttpOnly, SameSite=Strict session cookie, and then plays media a <video> could not fetch with
a Bearer header; state-changing requests without the page's header are refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from .conftest import TOKEN, Server, start_server
from .studio_support import PHONE, context, finished, play_reel

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

FETCH = """async ([path, headers, body]) => {
  const init = { method: body === null ? 'GET' : 'POST', headers, credentials: 'same-origin' };
  if (body !== null) init.body = JSON.stringify(body);
  return (await fetch(path, init)).status;
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("studio-token"), token=TOKEN)


@pytest.fixture(scope="module")
def job_id(server: Server) -> str:
    """A one-segment job started through the API with the Bearer token (it runs while the
    test logs in)."""
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    with httpx.Client(base_url=server.url, headers=bearer, timeout=30) as api:
        created = api.post("/v1/videos", json={"idea": "A kite over the dunes", "segments": 1})
    assert created.status_code == 202, created.text
    made: str = created.json()["id"]
    return made


def status_of(page: Page, path: str, headers: dict[str, str], body: Any = None) -> int:
    return int(page.evaluate(FETCH, [path, headers, body]))


def test_studio_login_cookie_plays_media_and_guards_writes(
    browser: Browser, server: Server, job_id: str
) -> None:
    page = context(browser, PHONE).new_page()
    try:
        page.goto(f"{server.url}/#/jobs/{job_id}")
        page.locator("#login-form").wait_for()
        assert page.locator("#new").is_hidden()
        assert page.locator("#job").is_hidden()
        assert page.evaluate("document.activeElement.id") == "token"

        page.keyboard.type("not-the-token-at-all-0000")
        page.keyboard.press("Enter")
        page.locator("#login-error").wait_for()
        assert "wrong" in page.locator("#login-error").inner_text()
        assert page.context.cookies() == []
        assert page.locator("#login").is_visible()

        page.fill("#token", TOKEN)
        page.keyboard.press("Enter")
        page.locator("#job").wait_for()
        finished(page)  # followed through the event stream, with the cookie
        (cookie,) = page.context.cookies()
        assert cookie["name"] == "storyreel_session"
        assert TOKEN not in cookie["value"]
        assert cookie["httpOnly"] is True
        assert cookie["sameSite"] == "Strict"
        assert page.evaluate("document.cookie") == ""  # out of a script's reach

        assert play_reel(page) > 0.3
        assert page.locator("#logout").is_visible()

        # With the cookie alone, a write needs the page's header; reads do not.
        estimate = {"idea": "A kite", "segments": 1}
        plain = {"Content-Type": "application/json"}
        assert status_of(page, "/v1/estimates", plain, estimate) == 403
        assert status_of(page, "/v1/estimates", {**plain, "X-Storyreel-CSRF": "1"}, estimate) == 200
        assert status_of(page, "/v1/jobs", {}) == 200

        page.click("#logout")
        page.locator("#login-form").wait_for()
        assert page.context.cookies() == []
        assert status_of(page, "/v1/jobs", {}) == 401
    finally:
        page.context.close()
