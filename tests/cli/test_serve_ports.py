"""`storyreel serve` and `storyreel emulator` on a port in use: one line, exit 78, nothing
announced; and a server that does start says so once, and stops once."""

from __future__ import annotations

import selectors
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import clean_env, run_storyreel, storyreel_argv


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 that something is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


@pytest.mark.parametrize(
    ("command", "choose"), [("serve", "--port (or api.port)"), ("emulator", "--port")]
)
def test_serve_port_in_use_is_one_line_and_a_configuration_error(
    tmp_path: Path, taken_port: int, command: str, choose: str
) -> None:
    done = run_storyreel(tmp_path, command, "--port", str(taken_port))

    assert done.returncode == 78
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        f"error: port {taken_port} on 127.0.0.1 is in use: stop what listens there, or choose "
        f"another port with {choose}"
    ]
    assert not (tmp_path / "output").exists()  # nothing was built


def test_serve_port_in_use_from_the_config_file(tmp_path: Path, taken_port: int) -> None:
    (tmp_path / "config.yml").write_text(f"api:\n  port: {taken_port}\n")

    done = run_storyreel(tmp_path, "serve")

    assert done.returncode == 78
    assert done.stderr.startswith(f"error: port {taken_port} on 127.0.0.1 is in use")
    assert len(done.stderr.splitlines()) == 1


def test_serve_announces_once_and_stops_once(tmp_path: Path) -> None:
    server = subprocess.Popen(
        storyreel_argv("serve", "--port", "0"),
        cwd=tmp_path,
        env=clean_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert server.stderr is not None
    lines: list[str] = []
    with selectors.DefaultSelector() as waiting:
        waiting.register(server.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + 60
        while not any("Application startup complete" in line for line in lines):
            assert time.monotonic() < deadline, lines
            assert server.poll() is None, lines
            if waiting.select(timeout=1):
                lines.append(server.stderr.readline())
    server.send_signal(signal.SIGINT)
    _, rest = server.communicate(timeout=60)
    lines += rest.splitlines()

    assert server.returncode == 0
    assert lines[0].startswith("storyreel API on http://127.0.0.1:")
    assert sum("Started server process" in line for line in lines) == 1
    assert sum("Finished server process" in line for line in lines) == 1
    assert not any("ERROR" in line for line in lines)
