"""Test-wide guards and fixtures: nothing leaves loopback, and an offline backend is at hand."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from storyreel.settings import Settings, load_settings

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NonLoopbackConnection(AssertionError):
    """A test tried to reach an address outside 127.0.0.0/8 and ::1."""


def _check_address(sock: socket.socket, address: Any) -> None:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return
    host = address[0] if isinstance(address, tuple) else address
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise NonLoopbackConnection(f"test tried to connect to {host!r}; only loopback is allowed")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check_address(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check_address(self, address)
    return _real_connect_ex(self, address)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


def pytest_unconfigure(config: pytest.Config) -> None:
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]


@pytest.fixture
def tmp_output(tmp_path: Path) -> Path:
    """An empty output folder for one test."""
    out = tmp_path / "output"
    out.mkdir()
    return out


@pytest.fixture
def offline_settings(tmp_output: Path) -> Settings:
    """Offline settings from defaults only (no narration, no reel): no file, no environment,
    quick polling."""
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(tmp_output),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2},
            "emulator": {"video_latency_s": 0.3},
            # Jobs here stop at the clips: narration and the reel have tests of their own,
            # which turn them on (assembling a reel is seconds of encoding).
            "narration": {"enabled": False},
            "reel": {"enabled": False},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    """A running emulator on an ephemeral loopback port, shared by one test module.

    It serves Veo in express mode too, so that live runs with an API key alone reach it; the
    tests of Vertex AI's refusal of express mode switch that off for themselves."""
    from storyreel.emulator import EmulatorOptions, EmulatorServer

    server = EmulatorServer(EmulatorOptions(video_latency_s=0.3, express_veo=True))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _server_or_skip(service: str) -> None:
    from storyreel.testing.servers import REQUIRE_ENV, missing, services_required

    why = missing(service)
    if why is None:
        return
    if services_required():
        pytest.fail(f"{why} ({REQUIRE_ENV}=1 demands it)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Any]:
    """A real PostgreSQL server from the system's binaries, one per test process."""
    import shutil
    import tempfile

    from storyreel.testing.servers import PostgresServer

    _server_or_skip("postgresql")
    root = Path(tempfile.mkdtemp(prefix="storyreel-pg-"))
    server = PostgresServer(root).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: Any) -> str:
    """The URL (with its password) of a new, empty database for one test."""
    url: str = postgres_server.create_database()
    return url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[Any]:
    """A real Redis server from the system's binaries, one per test process."""
    import shutil
    import tempfile

    from storyreel.testing.servers import RedisServer

    _server_or_skip("redis")
    root = Path(tempfile.mkdtemp(prefix="storyreel-redis-"))
    server = RedisServer(root).start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """The URL of the Redis server, emptied for one test."""
    redis_server.flush()
    url: str = redis_server.url()
    return url
