"""The ``/_emulator`` controls and the EmulatorServer lifecycle."""

from __future__ import annotations

import socket
import time

import httpx2
import openai
import pytest

from storyreel.emulator import EmulatorOptions, EmulatorServer, create_app
from storyreel.emulator.server import is_loopback

from .support import Control


def test_stats_count_requests_by_route(
    openai_client: openai.OpenAI, control: Control, server: EmulatorServer
) -> None:
    openai_client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
    openai_client.models.list()
    stats = control.stats()
    assert stats["requests"] == {
        "chat.completions": 1,
        "models": 1,
        "generateContent": 0,
        "predictLongRunning": 0,
        "fetchPredictOperation": 0,
        "key": 0,
        "models.get": 0,
    }
    assert stats["video_submissions"] == 0
    assert stats["connections_opened"] >= 1
    assert server.state.stats()["requests"]["chat.completions"] == 1


def test_connections_opened_counts_tcp_connections(
    server: EmulatorServer, control: Control
) -> None:
    before = control.stats()["connections_opened"]
    with httpx2.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as pooled:
        for _ in range(3):
            assert pooled.get("/v1/models").status_code == 200
    for _ in range(2):
        with httpx2.Client(base_url=server.url, headers={"Authorization": "Bearer k"}) as fresh:
            assert fresh.get("/v1/models").status_code == 200
    # One pooled connection plus two fresh ones; the control client's own is already counted.
    assert control.stats()["connections_opened"] - before == 3


def test_reset_clears_counts_faults_and_operations(
    openai_client: openai.OpenAI, control: Control
) -> None:
    openai_client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
    control.faults({"route": "generateContent", "kind": "malformed", "times": None})
    assert control.stats()["faults"]
    control.reset()
    stats = control.stats()
    assert stats["requests"]["chat.completions"] == 0
    assert stats["faults"] == []
    assert stats["operations"] == 0


def test_config_changes_latency_at_run_time(openai_client: openai.OpenAI, control: Control) -> None:
    control.configure(text_latency_s=0.3)
    started = time.monotonic()
    openai_client.chat.completions.create(model="m", messages=[{"role": "user", "content": "a"}])
    assert time.monotonic() - started >= 0.3
    assert control.http.get("/_emulator/config").json()["text_latency_s"] == 0.3


@pytest.mark.parametrize("body", [{"video_latency_s": -1}, {"warp": 1}, {"text_latency_s": "x"}])
def test_config_rejects_bad_latencies(control: Control, body: dict[str, object]) -> None:
    response = control.http.post("/_emulator/config", json=body)
    assert response.status_code == 400
    assert control.http.get("/_emulator/config").json()["text_latency_s"] == 0


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "example.com", "::"])
def test_server_refuses_non_loopback_hosts(host: str) -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        EmulatorServer(host=host)


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.8.9.10")
    assert is_loopback("::1")
    assert is_loopback("localhost")
    assert not is_loopback("10.0.0.1")


def test_server_lifecycle_is_idempotent_and_frees_the_port() -> None:
    server = EmulatorServer(EmulatorOptions(video_latency_s=0))
    with pytest.raises(RuntimeError):
        _ = server.url
    server.start()
    server.start()
    url, port = server.url, server.port
    assert url == f"http://127.0.0.1:{port}"
    assert httpx2.get(url + "/_emulator/stats").status_code == 200
    server.stop()
    server.stop()
    with pytest.raises(httpx2.ConnectError):
        httpx2.get(url + "/_emulator/stats")
    probe = socket.socket()
    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    probe.bind(("127.0.0.1", port))
    probe.close()


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="video_latency_s"):
        EmulatorOptions(video_latency_s=-1)


async def test_create_app_serves_in_process_without_a_socket() -> None:
    app = create_app(EmulatorOptions(text_latency_s=0))
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://emulator") as client:
        response = await client.post(
            "/v1/chat/completions",
            headers={"Authorization": "Bearer k"},
            json={"model": "m", "messages": [{"role": "user", "content": "in process"}]},
        )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"]
    assert app.state.emulator.stats()["connections_opened"] == 1
