"""Browser tests of the studio page: Debian's headless Chromium, driven by Playwright, against
``storyreel serve`` on the offline backend in a subprocess (one server per test module).

Without /usr/bin/chromium these tests skip with one line, unless STORYREEL_REQUIRE_BROWSER=1
(as CI sets), when they fail instead. No browser is ever downloaded.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from storyreel.config_files import LEGACY_ENV

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING = "install Debian's chromium package to run the browser tests"
TOKEN = "studio-test-token-0123456789"
_ANNOUNCED = re.compile(r"storyreel API on (http://127\.0\.0\.1:\d+)")


@dataclass(frozen=True)
class Server:
    """A running ``storyreel serve``: its address and its output folder."""

    url: str
    output_dir: Path
    token: str | None


def _clean_env() -> dict[str, str]:
    # A developer's own settings and keys must not reach the server under test.
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("STORYREEL_", "OPENAI_", "GOOGLE_")) and name not in LEGACY_ENV
    }


def _wait_for_address(process: subprocess.Popen[str], deadline_s: float = 60) -> str:
    assert process.stderr is not None
    seen: list[str] = []
    with selectors.DefaultSelector() as waiting:
        waiting.register(process.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + deadline_s
        while True:
            assert time.monotonic() < deadline, seen
            assert process.poll() is None, seen
            if waiting.select(timeout=1):
                line = process.stderr.readline()
                seen.append(line)
                if "Application startup complete" in line:
                    break
    found = next((m for m in map(_ANNOUNCED.search, seen) if m), None)
    assert found is not None, seen
    return found.group(1)


def _drain(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    for _ in process.stderr:
        pass


def start_server(folder: Path, token: str | None = None) -> Iterator[Server]:
    """``storyreel serve --port 0`` in ``folder`` on the offline backend with a quick
    emulator and quick polls; stopped (Ctrl-C) when the generator is closed."""
    output_dir = folder / "output"
    env = {
        **_clean_env(),
        "STORYREEL_BACKEND": "offline",
        "STORYREEL_OUTPUT_DIR": str(output_dir),
        "STORYREEL_EMULATOR__VIDEO_LATENCY_S": "0.6",
        "STORYREEL_VIDEO__POLL_INITIAL_S": "0.05",
        "STORYREEL_VIDEO__POLL_MAX_S": "0.2",
        "STORYREEL_VIDEO__DURATION_SECONDS": "4",
        "STORYREEL_LOG_LEVEL": "INFO",
    }
    if token is not None:
        env["STORYREEL_API_TOKEN"] = token
    process = subprocess.Popen(
        [sys.executable, "-m", "storyreel.cli", "serve", "--port", "0"],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = _wait_for_address(process)
        # The log is drained from here on, so that a full pipe never blocks the server.
        threading.Thread(target=_drain, args=(process,), daemon=True).start()
        yield Server(url=url, output_dir=output_dir, token=token)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (the system's, never a downloaded one), for one test.

    Playwright's sync API runs an event loop in this thread while it is started: kept past
    one test, it would break the async tests that run next in the same process."""
    if not CHROMIUM.exists():
        if os.environ.get("STORYREEL_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is missing and STORYREEL_REQUIRE_BROWSER=1: {MISSING}")
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        launched = driver.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()
