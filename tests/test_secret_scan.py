"""With recognisable fake keys configured, every CLI command (success and failure paths) and the
API's error paths leave no trace of them: not on stdout or stderr (DEBUG logs on), not in a
response, a manifest, a story, a log or a row of the job store.

Live runs point the real SDKs at loopback: the emulator (with 401 fault rules), and a server
that echoes the credentials it receives back in its error messages, as some providers do.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import secrets
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from PIL import Image

from storyreel.api import create_app
from storyreel.containers import close_container, create_container
from storyreel.emulator import EmulatorServer
from storyreel.jobs.sqlite import STORE_FILENAME
from storyreel.settings import Settings, load_settings

_HEX = [secrets.token_hex(12) for _ in range(3)]
OPENROUTER_KEY = f"sk-or-v1-SCANFAKE-{_HEX[0]}"
GOOGLE_KEY = f"AQ.SCANFAKE-{_HEX[1]}"
API_TOKEN = f"scan-token-{_HEX[2]}"
# The whole values, and their random parts alone (a partly masked echo still shows those).
NEEDLES = (OPENROUTER_KEY, GOOGLE_KEY, API_TOKEN, *_HEX)
# Requests whose body holds this word meet the emulator's 401 rules.
REJECTED = "quokka-rejected"
# ... and this one, a 429 with Retry-After.
THROTTLED = "quokka-throttled"

# Exit codes the README documents.
EXIT_CODES = {0, 1, 2, 3, 65, 69, 75, 78, 130}


def leaks(text: str | bytes) -> list[str]:
    """The needles found in ``text``."""
    data = text.encode("utf-8", "replace") if isinstance(text, str) else text
    return [needle for needle in NEEDLES if needle.encode() in data]


def sqlite_dump(path: Path) -> str:
    """Every row of every table of a SQLite file, as text."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def scan_tree(root: Path) -> dict[str, list[str]]:
    """Leaks by file, over every file below ``root`` (bytes), plus the job stores' rows."""
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        hits = leaks(path.read_bytes())
        if path.name == STORE_FILENAME:
            hits += leaks(sqlite_dump(path))
        if hits:
            found[str(path.relative_to(root))] = hits
    return found


def test_secret_scan_finds_planted_keys(tmp_path: Path) -> None:
    (tmp_path / "job").mkdir()
    (tmp_path / "job" / "manifest.json").write_text(json.dumps({"error": f"bad key {GOOGLE_KEY}"}))
    (tmp_path / "clean.log").write_text("nothing to see")
    (tmp_path / "masked.log").write_text(f"key sk-or-v1-****{_HEX[0]}")
    store = sqlite3.connect(tmp_path / STORE_FILENAME)
    with store:
        store.execute("CREATE TABLE jobs (reasons TEXT)")
        store.execute("INSERT INTO jobs VALUES (?)", (f"token {API_TOKEN}",))
    store.close()

    found = scan_tree(tmp_path)

    assert found.keys() == {"job/manifest.json", "masked.log", STORE_FILENAME}
    assert GOOGLE_KEY in found["job/manifest.json"]
    assert found["masked.log"] == [_HEX[0]]
    assert API_TOKEN in found[STORE_FILENAME]


class _EchoHandler(BaseHTTPRequestHandler):
    """Rejects every call, quoting the credential it was given (OpenAI and Google shapes)."""

    received: list[str]

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        bearer = self.headers.get("authorization", "").removeprefix("Bearer ").strip()
        key = self.headers.get("x-goog-api-key", "")
        self.received.extend(value for value in (bearer, key) if value)
        if "chat/completions" in self.path:
            status = 401
            error: dict[str, Any] = {
                "message": f"Incorrect API key provided: {bearer}",
                "type": "authentication_error",
                "code": "invalid_api_key",
            }
        else:
            status = 400 if "predictLongRunning" in self.path else 401
            error = {
                "code": status,
                "message": f"API key not valid: {key}. Please pass a valid API key.",
                "status": "INVALID_ARGUMENT" if status == 400 else "UNAUTHENTICATED",
            }
        body = json.dumps({"error": error}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@dataclass
class Echo:
    url: str
    received: list[str]


@pytest.fixture(scope="module")
def echo() -> Iterator[Echo]:
    received: list[str] = []
    handler = type("Handler", (_EchoHandler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Echo(f"http://127.0.0.1:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def rejecting_emulator(emulator: EmulatorServer) -> Iterator[EmulatorServer]:
    """The shared emulator, answering 401 to every call that mentions REJECTED."""
    routes = ("chat.completions", "generateContent", "predictLongRunning")
    rules = [
        {"route": route, "kind": "status", "status": 401, "times": 0, "match": REJECTED}
        for route in routes
    ]
    rules.append(
        {
            "route": "chat.completions",
            "kind": "status",
            "status": 429,
            "retry_after_s": 3,
            "times": 0,
            "match": THROTTLED,
        }
    )
    with httpx2.Client(base_url=emulator.url, timeout=10) as http:
        http.post("/_emulator/reset")
        assert http.post("/_emulator/faults", json=rules).status_code == 200
        yield emulator
        http.post("/_emulator/reset")


@dataclass(frozen=True)
class Run:
    name: str
    argv: tuple[str, ...]
    codes: frozenset[int]
    live: str | None = None  # "emulator" or "echo": which server the live backend reaches


def _runs(image: Path) -> list[Run]:
    ok, bad_input, job_error, config_error, provider = (
        frozenset({0}),
        frozenset({2}),
        frozenset({75}),
        frozenset({78}),
        frozenset({69}),
    )
    offline = [
        Run("story", ("story", "a kite over the bay", "--segments", "1", "--json"), ok),
        Run("story-human", ("story", "a kite over the bay", "--segments", "2"), ok),
        Run("story-empty", ("story", "   "), bad_input),
        Run("story-21", ("story", "kites", "--segments", "21"), bad_input),
        Run("story-duration", ("story", "kites", "--duration", "5"), bad_input),
        Run("meme", ("meme", "mondays", "--json"), ok),
        Run("content", ("content", "tea", "--format", "thread", "--json"), ok),
        Run("content-format", ("content", "tea", "--format", "sonnet"), bad_input),
        Run("ideas", ("ideas", "baking", "--count", "2", "--json"), ok),
        Run("ideas-count", ("ideas", "baking", "--count", "0"), bad_input),
        Run("characters", ("characters", str(image), "--json"), ok),
        Run("characters-missing", ("characters", str(image.with_name("nope.png"))), bad_input),
        Run("video", ("video", "waves at night", "--duration", "4", "--json"), ok),
        Run("video-duration", ("video", "waves", "--duration", "9"), bad_input),
        Run("thumbnail", ("thumbnail", "a kite", "--json"), ok),
        Run("thumbnail-ratio", ("thumbnail", "a kite", "--aspect-ratio", "7:5"), bad_input),
        Run("make", ("make", "a kite over the bay", "--segments", "1", "--yes", "--json"), ok),
        Run("make-empty", ("make", " ", "--yes"), bad_input),
        Run("jobs", ("jobs", "--json"), ok),
        Run("jobs-human", ("jobs",), ok),
        Run("resume-unknown", ("resume", "20260101-000000-abcdef", "--yes"), job_error),
        Run("config-show", ("config", "show"), ok),
        Run("config-check", ("config", "check"), ok),
        Run("config-check-live", ("--backend", "live", "config", "check"), ok),
        Run("backend-bogus", ("--backend", "bogus", "story", "kites"), config_error),
    ]
    live_emulator = [
        Run("live-story", ("story", "a kite", "--segments", "1", "--json"), ok, "emulator"),
        Run("live-make", ("make", "a kite", "--segments", "1", "--yes", "--json"), ok, "emulator"),
        Run("live-story-401", ("story", f"a {REJECTED} kite"), provider, "emulator"),
        Run("live-meme-401", ("meme", f"{REJECTED} mondays"), provider, "emulator"),
        Run("live-thumbnail-401", ("thumbnail", f"a {REJECTED} kite"), provider, "emulator"),
        Run(
            "live-video-401",
            ("video", f"{REJECTED} waves", "--duration", "4"),
            provider,
            "emulator",
        ),
        Run(
            "live-make-401",
            ("make", f"a {REJECTED} kite", "--segments", "1", "--yes", "--json"),
            frozenset({1}),
            "emulator",
        ),
    ]
    live_echo = [
        Run("echo-story", ("story", "a kite", "--segments", "1"), provider, "echo"),
        Run("echo-ideas", ("ideas", "kites", "--json"), provider, "echo"),
        Run("echo-thumbnail", ("thumbnail", "a kite"), provider, "echo"),
        Run("echo-video", ("video", "waves", "--duration", "4", "--json"), provider, "echo"),
        Run(
            "echo-make",
            ("make", "a kite", "--segments", "1", "--yes", "--json"),
            frozenset({1}),
            "echo",
        ),
    ]
    return offline + live_emulator + live_echo


def _env(base: Path, emulator_url: str, live: str | None, echo_url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("STORYREEL_", "OPENAI", "OPENROUTER", "GOOGLE", "SCRIPT_MODEL"))
    }
    env.update(
        OPENAI_API_KEY=OPENROUTER_KEY,
        GOOGLE_STUDIO_API_KEY=GOOGLE_KEY,
        STORYREEL_API_TOKEN=API_TOKEN,
        STORYREEL_LOG_LEVEL="DEBUG",
        STORYREEL_OUTPUT_DIR=str(base / "output"),
        STORYREEL_EMULATOR__URL=emulator_url,
        STORYREEL_OPENROUTER__MAX_RETRIES="0",
        STORYREEL_GOOGLE__MAX_RETRIES="0",
        STORYREEL_VIDEO__POLL_INITIAL_S="0.05",
        STORYREEL_VIDEO__POLL_MAX_S="0.2",
        STORYREEL_VIDEO__DURATION_SECONDS="4",
    )
    if live is not None:
        url = emulator_url if live == "emulator" else echo_url
        env.update(
            STORYREEL_BACKEND="live",
            OPENROUTER_BASE_URL=f"{url}/v1",
            STORYREEL_GOOGLE__BASE_URL=f"{url}/",
        )
    return env


def _run(run: Run, base: Path, emulator_url: str, echo_url: str) -> tuple[Run, int]:
    logs = base / "logs"
    with (
        (logs / f"{run.name}.stdout").open("wb") as stdout,
        (logs / f"{run.name}.stderr.log").open("wb") as stderr,
    ):
        done = subprocess.run(
            [sys.executable, "-m", "storyreel.cli", "-v", *run.argv],
            cwd=base / "cwd",
            env=_env(base, emulator_url, run.live, echo_url),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            timeout=120,
            check=False,
        )
    return run, done.returncode


def test_secret_scan_every_cli_command_keeps_the_keys_out(
    tmp_path: Path, rejecting_emulator: EmulatorServer, echo: Echo
) -> None:
    for folder in ("cwd", "logs", "output"):
        (tmp_path / folder).mkdir()
    image = tmp_path / "cwd" / "hero.png"
    Image.new("RGB", (48, 48), (30, 90, 200)).save(image)
    runs = _runs(image)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda run: _run(run, tmp_path, rejecting_emulator.url, echo.url), runs)
        )

    for run, code in results:
        err = (tmp_path / "logs" / f"{run.name}.stderr.log").read_text(errors="replace")
        assert code in run.codes, f"{run.name}: exit {code}\n{err[-2000:]}"
        assert code in EXIT_CODES
        assert "Traceback" not in err, run.name
        if code in (2, 65, 69, 75, 78):
            assert any(line.startswith("error: ") for line in err.splitlines()), run.name
    # The keys were there to leak: configured, and sent to the servers of the live runs.
    assert OPENROUTER_KEY in echo.received
    assert GOOGLE_KEY in echo.received
    logged = [
        run.name
        for run, _ in results
        if " INFO storyreel." in (tmp_path / "logs" / f"{run.name}.stderr.log").read_text()
    ]
    assert "live-make" in logged, "-v did not log: the scan would prove little"
    # Four jobs ran (two failed on a provider's refusal): their manifests, stories and rows
    # are in the scan, with the failure reasons that could have quoted a key.
    assert len(list((tmp_path / "output").rglob("manifest.json"))) == 4
    rows = sqlite_dump(tmp_path / "output" / STORE_FILENAME)
    assert "HTTP 401" in rows
    assert "rejected the API key" in rows
    assert scan_tree(tmp_path) == {}


def _api_settings(output_dir: Path, url: str) -> Settings:
    """Live settings whose providers are at ``url``, keys and token from the environment."""
    env = {
        "OPENAI_API_KEY": OPENROUTER_KEY,
        "GOOGLE_STUDIO_API_KEY": GOOGLE_KEY,
        "STORYREEL_API_TOKEN": API_TOKEN,
        "OPENROUTER_BASE_URL": f"{url}/v1",
        "STORYREEL_GOOGLE__BASE_URL": f"{url}/",
        "STORYREEL_BACKEND": "live",
        "STORYREEL_LOG_LEVEL": "DEBUG",
    }
    overrides = {
        "output_dir": str(output_dir),
        "openrouter": {"max_retries": 0},
        "google": {"max_retries": 0},
        "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2, "duration_seconds": 4},
        "api": {"max_upload_mb": 0.01},
    }
    return load_settings(overrides, config_file=None, env=env, dotenv=None)


class ApiSession:
    """Requests to one app; every response is kept for the scan."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client
        self.responses: list[httpx.Response] = []

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = API_TOKEN,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        response = await self._client.request(method, path, headers=headers, **kwargs)
        self.responses.append(response)
        return response

    async def problem(self, status: int, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        body: dict[str, Any] = response.json()
        return body

    async def finished_job(self, response: httpx.Response) -> dict[str, Any]:
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]
        for _ in range(300):
            job: dict[str, Any] = (await self.call("GET", f"/v1/jobs/{job_id}")).json()
            if job["status"] in ("succeeded", "partial", "failed"):
                return job
            await asyncio.sleep(0.05)
        raise AssertionError(f"job {job_id} did not finish: {job}")

    def text(self) -> str:
        return "\n".join(
            f"{r.status_code} {dict(r.headers)}\n{r.content.decode('utf-8', 'replace')}"
            for r in self.responses
        )


@asynccontextmanager
async def api_session(settings: Settings) -> AsyncIterator[ApiSession]:
    container = create_container(settings)
    app = create_app(container)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
                yield ApiSession(http)
    finally:
        close_container(container)


async def _emulator_error_paths(api: ApiSession, image: bytes) -> None:
    assert (await api.call("GET", "/healthz", token=None)).status_code == 200
    await api.problem(401, "GET", "/v1/jobs", token=None)
    await api.problem(401, "GET", "/v1/jobs", token=API_TOKEN[:-1] + "x")
    await api.problem(401, "POST", "/v1/characters", token=None, files={"images": image})
    await api.problem(404, "GET", "/v1/jobs/20260101-000000-abcdef")
    await api.problem(404, "GET", "/v1/no-such-route")
    big = {"images": ("big.png", image + bytes(64 * 1024), "image/png")}
    await api.problem(413, "POST", "/v1/characters", files=big)
    text = {"images": ("notes.png", b"not an image at all", "image/png")}
    await api.problem(415, "POST", "/v1/characters", files=text)
    await api.problem(422, "POST", "/v1/stories", json={"idea": "kites", "segments": 0})
    json_type = {"content-type": "application/json"}
    await api.problem(400, "POST", "/v1/stories", content=b"{not json", headers=json_type)
    await api.problem(415, "POST", "/v1/stories", content=b"{not json")
    rejected = await api.problem(502, "POST", "/v1/stories", json={"idea": f"a {REJECTED}"})
    assert rejected["provider"] == "openrouter"
    await api.problem(502, "POST", "/v1/thumbnails", json={"prompt": f"a {REJECTED}"})
    throttled = await api.problem(429, "POST", "/v1/memes", json={"topic": THROTTLED})
    assert throttled["retryable"] is True
    made = await api.finished_job(
        await api.call("POST", "/v1/videos", json={"idea": "a kite", "segments": 1})
    )
    assert made["status"] == "succeeded", made
    await api.call("GET", f"/v1/jobs/{made['id']}/files/manifest.json")
    await api.problem(404, "GET", f"/v1/jobs/{made['id']}/files/..%2F..%2Fsecrets")
    failed = await api.finished_job(
        await api.call("POST", "/v1/videos", json={"idea": f"a {REJECTED}", "segments": 1})
    )
    assert failed["status"] == "failed", failed
    await api.problem(409, "DELETE", f"/v1/jobs/{failed['id']}")


async def _echo_error_paths(api: ApiSession) -> None:
    story = await api.problem(502, "POST", "/v1/stories", json={"idea": "a kite", "segments": 1})
    assert "rejected the API key" in story["detail"]
    image = await api.problem(502, "POST", "/v1/thumbnails", json={"prompt": "a kite"})
    # The server quoted the key; the problem shows the quote with the key masked.
    assert "API key not valid: [redacted]" in image["detail"]
    ready = {
        "title": "Kites",
        "logline": "Kites fly.",
        "segments": [{"index": 1, "narration": "Up.", "visual_prompt": "a kite rising"}],
    }
    job = await api.finished_job(await api.call("POST", "/v1/videos", json={"story": ready}))
    assert job["status"] == "failed", job
    assert any("API key not valid" in reason for reason in job["reasons"]), job


async def test_secret_scan_api_error_paths_keep_the_keys_out(
    tmp_path: Path,
    rejecting_emulator: EmulatorServer,
    echo: Echo,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buffer, format="PNG")
    sessions = []

    async with api_session(_api_settings(tmp_path / "emulated", rejecting_emulator.url)) as api:
        await _emulator_error_paths(api, buffer.getvalue())
        sessions.append(api)
    async with api_session(_api_settings(tmp_path / "echoed", echo.url)) as api:
        await _echo_error_paths(api)
        sessions.append(api)

    assert GOOGLE_KEY in echo.received
    bodies = "\n".join(session.text() for session in sessions)
    assert leaks(bodies) == []
    assert leaks(caplog.text) == []
    assert "HTTP 401" in sqlite_dump(tmp_path / "emulated" / STORE_FILENAME)
    assert scan_tree(tmp_path) == {}
