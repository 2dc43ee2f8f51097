"""The studio on a server without a token (loopback only): a video made and watched from the
page, live from the job's event stream; the API docs with no network at all."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from PIL import Image

from .conftest import Server, start_server
from .studio_support import (
    DESKTOP,
    PHONE,
    context,
    finished,
    overflow_px,
    play_reel,
    screenshot,
    unlabelled_controls,
    wav_bytes,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, FilePayload, Page, Request, Route

IDEA = "A paper boat crosses a puddle ocean"
SEGMENTS = 2
DESCRIPTION = "A tall kite-maker in a long red coat with a copper-coloured scarf"
RESHOT_PROMPT = "The paper boat seen from straight above, its sail lit by one lantern"


def image_file() -> FilePayload:
    """A real PNG, as a file the page's upload field takes."""
    out = io.BytesIO()
    Image.new("RGB", (64, 96), (200, 90, 40)).save(out, format="PNG")
    return {"name": "hero.png", "mimeType": "image/png", "buffer": out.getvalue()}


def music_file() -> FilePayload:
    return {"name": "tune.wav", "mimeType": "audio/wav", "buffer": wav_bytes(2.0)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    yield from start_server(tmp_path_factory.mktemp("studio"))


def _cells(page: Page) -> list[str]:
    texts: list[str] = page.locator("#segments-table tbody td").all_inner_texts()
    return texts


def _in_progress(page: Page) -> bool:
    cells = _cells(page)
    return "done" in cells and any(text != "done" for text in cells)


def test_studio_makes_a_video_from_an_idea_live_to_a_playing_reel(
    browser: Browser, server: Server
) -> None:
    desktop, phone = context(browser, DESKTOP), context(browser, PHONE)
    page, small = desktop.new_page(), phone.new_page()
    job_reads: list[str] = []
    streams: list[str] = []

    def seen(request: Request) -> None:
        path = urlsplit(request.url).path
        if path.startswith("/v1/jobs/") and path.count("/") == 3:
            job_reads.append(path)
        if path.endswith("/events"):
            streams.append(path)

    page.on("request", seen)
    try:
        page.goto(server.url + "/")
        small.goto(server.url + "/")
        page.locator("#new-form").wait_for()
        small.locator("#new-form").wait_for()
        assert unlabelled_controls(page) == []
        assert overflow_px(small) == 0
        screenshot(page, "studio-new-desktop")
        screenshot(small, "studio-new-phone")

        # By keyboard from the top: Tab to the idea, type it, Tab to the segments.
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "idea":
                break
        page.keyboard.type(IDEA)
        page.keyboard.press("Tab")
        page.keyboard.press("Control+A")
        page.keyboard.type(str(SEGMENTS))
        # Characters from a reference image, one description edited; music for the reel.
        page.set_input_files("#images", files=[image_file()])
        page.click("#analyse")
        page.locator("#characters li").first.wait_for()
        assert page.locator("#characters .character-name").first.input_value()
        page.locator("#characters .character-description").first.fill(DESCRIPTION)
        page.set_input_files("#music", files=[music_file()])
        page.focus("#estimate")
        page.keyboard.press("Enter")
        page.locator("#confirm").wait_for()
        assert page.evaluate("document.activeElement.id") == "confirm-title"
        estimate = page.locator("#estimate-lines").inner_text()
        assert "nothing: offline" in estimate
        assert "s of music" in page.locator("#music-status").inner_text()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "start"
        page.keyboard.press("Enter")

        page.wait_for_url("**/#/jobs/*")
        job_id = page.url.rsplit("/", 1)[1]
        small.goto(f"{server.url}/#/jobs/{job_id}")
        page.wait_for_function(
            "() => [...document.querySelectorAll('#segments-table tbody td')]"
            ".some((td) => td.textContent === 'done')",
            polling=50,
        )
        if _in_progress(page):
            screenshot(page, "studio-progress-desktop")
            screenshot(small, "studio-progress-phone")

        finished(page)
        rows = page.locator("#segments-table tbody tr")
        assert rows.count() == SEGMENTS
        assert set(_cells(page)) == {"done"}
        # Everything after the first read came from the event stream: no polling.
        assert job_reads == [f"/v1/jobs/{job_id}"]
        assert streams == [f"/v1/jobs/{job_id}/events"]
        assert int(page.locator("#job").get_attribute("data-events") or 0) > SEGMENTS

        assert play_reel(page) > 0.3
        assert page.locator("#gallery video").count() == SEGMENTS
        assert page.locator("#story li").count() == SEGMENTS
        assert DESCRIPTION in page.locator("#story").inner_text()  # carried verbatim
        # A finished job offers what can still be done with it: each segment filmed again
        # (its prompt to edit), the reel assembled again; nothing to resume or cancel.
        assert page.locator("#assemble").is_visible()
        assert page.locator("#resume").is_hidden()
        assert page.locator("#cancel").is_hidden()
        page.locator("#story li").first.locator("summary").click()
        prompt = page.get_by_label("Visual prompt for segment 1")
        assert DESCRIPTION in prompt.input_value()
        assert page.get_by_role("button", name="Film segment 1 again").is_visible()
        assert "reel.mp4" in page.locator("#downloads").inner_text()
        finished(small)
        assert overflow_px(small) == 0
        assert unlabelled_controls(small) == []
        page.evaluate("document.querySelector('#reel').pause()")
        screenshot(page, "studio-done-desktop")
        screenshot(small, "studio-done-phone")

        # Segment 1 filmed again with an edited prompt (its form still open from above):
        # the story shown is the new one.
        prompt.fill(RESHOT_PROMPT)
        page.get_by_role("button", name="Film segment 1 again").click()
        page.wait_for_function(
            "(text) => document.querySelector('#story').innerText.includes(text)",
            arg=RESHOT_PROMPT,
            timeout=90_000,
        )
        finished(page)

        page.goto(server.url + "/#/jobs")
        item = page.locator("#job-list li").first
        assert IDEA not in item.inner_text()  # listed by the story's title
        assert "succeeded" in item.inner_text()
        thumbnail = item.locator("img")
        assert thumbnail.evaluate("(img) => img.complete && img.naturalWidth > 0")
    finally:
        desktop.close()
        phone.close()


def test_studio_is_served_under_a_routers_prefix(browser: Browser, server: Server) -> None:
    # storyreel's own application serves its router at the root: /studio/ is the same page,
    # its files and API calls rooted where the router is.
    page = context(browser, PHONE).new_page()
    try:
        page.goto(server.url + "/studio")
        assert urlsplit(page.url).path == "/studio/"
        page.locator("#new-form").wait_for()
        assert page.locator('meta[name="storyreel-api"]').get_attribute("content") == ""
    finally:
        page.context.close()


@pytest.mark.parametrize(("path", "rendered"), [("/docs", ".swagger-ui .info .title")])
def test_api_docs_render_with_no_network(
    browser: Browser, server: Server, path: str, rendered: str, tmp_path: Path
) -> None:
    page = context(browser, DESKTOP).new_page()
    refused: list[str] = []

    def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort("internetdisconnected")

    page.route("**/*", loopback_only)
    try:
        page.goto(server.url + path)
        page.locator(rendered).first.wait_for()
        assert "storyreel" in page.locator(rendered).first.inner_text()
        assert refused == []
    finally:
        page.context.close()
