"""What the studio's browser tests share: pages at a phone's width, screenshots for the
README, and the checks a page's video and layout must pass."""

from __future__ import annotations

import io
import math
import os
import struct
import tempfile
import wave
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

DOCS = Path(__file__).parents[2] / "docs"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def context(browser: Browser, size: dict[str, int]) -> BrowserContext:
    made = browser.new_context(viewport={"width": size["width"], "height": size["height"]})
    made.set_default_timeout(15_000)
    return made


def screenshot(page: Page, name: str) -> None:
    """``docs/<name>.png`` of what the window shows (the top of the page), replaced
    atomically (a reader never sees half a file)."""
    data = page.screenshot(animations="disabled", caret="hide")
    DOCS.mkdir(exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=DOCS, prefix=f".{name}-", suffix=".png")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; docs/ is for everyone
        os.replace(temporary, DOCS / f"{name}.png")
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def overflow_px(page: Page) -> int:
    """How far the page is wider than its viewport (0: no sideways scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def unlabelled_controls(page: Page) -> list[str]:
    """The visible form controls a screen reader would announce without a name."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button, video[controls]')]
            .filter((c) => c.offsetParent !== null)
            .filter((c) => !(c.labels && c.labels.length) && !c.getAttribute('aria-label')
                           && !c.getAttribute('aria-labelledby')
                           && !(c.tagName === 'BUTTON' && c.textContent.trim()))
            .map((c) => c.outerHTML.slice(0, 80))"""
    )
    return found


def play_reel(page: Page) -> float:
    """Play the page's reel (muted, as a browser allows without a gesture) until its time
    moves; the time it reached."""
    page.wait_for_function(
        "() => { const v = document.querySelector('#reel'); return v && v.readyState >= 2; }"
    )
    page.evaluate(
        "() => { const v = document.querySelector('#reel'); v.muted = true; return v.play(); }"
    )
    page.wait_for_function("() => document.querySelector('#reel').currentTime > 0.3")
    return float(page.evaluate("document.querySelector('#reel').currentTime"))


def finished(page: Page, timeout_s: float = 90) -> None:
    """Wait until the job page says the job has finished (the reel is encoded on a shared,
    perhaps busy, machine: the wait is generous); fail with what the page says unless it
    succeeded."""
    page.wait_for_function(
        "() => ['succeeded', 'partial', 'failed', 'cancelled']"
        ".includes(document.querySelector('#job').dataset.status)",
        timeout=timeout_s * 1000,
    )
    status = page.locator("#job").get_attribute("data-status")
    assert status == "succeeded", page.locator("#job-status").inner_text()


def wav_bytes(seconds: float, rate: int = 8000) -> bytes:
    """A real mono 16-bit WAV: a 440 Hz tone."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(frames)
    return out.getvalue()
