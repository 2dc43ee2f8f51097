"""``storyreel emulator`` (the Typer command) and ``python -m storyreel.emulator``."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time

import httpx2
import pytest
import typer
from typer.testing import CliRunner

from storyreel.cli.emulator_cmd import emulator
from storyreel.errors import InputError


def test_command_refuses_a_non_loopback_host() -> None:
    with pytest.raises(InputError, match="--allow-remote"):
        emulator(host="0.0.0.0")


def test_command_options_parse_through_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[tuple[object, ...]] = []

    def serve(*args: object, sock: socket.socket) -> None:
        served.append((*args, sock.getsockname()[1]))

    monkeypatch.setattr("storyreel.emulator.serve", serve, raising=True)
    app = typer.Typer()
    app.command()(emulator)
    result = CliRunner().invoke(
        app, ["--port", "0", "--video-latency", "0.5", "--text-latency", "0.1"]
    )
    assert result.exit_code == 0, result.output
    host, port, options, allow_remote, bound = served[0]
    # The port served is the one the socket was bound to before anything was printed.
    assert (host, allow_remote) == ("127.0.0.1", False)
    assert port == bound != 0
    assert f"http://127.0.0.1:{port} " in result.output
    assert options.video_latency_s == 0.5  # type: ignore[attr-defined]
    assert options.text_latency_s == 0.1  # type: ignore[attr-defined]


def test_module_entry_point_refuses_remote_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "storyreel.emulator", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "non-loopback" in done.stderr


@pytest.mark.slow
def test_module_entry_point_serves_until_terminated(unused_tcp_port: int) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "storyreel.emulator", "--port", str(unused_tcp_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx2.get(f"http://127.0.0.1:{unused_tcp_port}/_emulator/stats")
                break
            except httpx2.ConnectError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert response.json()["requests"]["chat.completions"] == 0
    finally:
        process.terminate()
        _, log = process.communicate(timeout=10)
    # uvicorn shuts down gracefully, then re-raises SIGTERM so the exit status tells why it ended.
    assert process.returncode == -signal.SIGTERM
    assert b"Finished server process" in log
