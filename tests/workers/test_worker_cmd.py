"""`storyreel worker` with a broker it cannot use fails at start-up: one line on stderr naming
the broker's URL with *** for its password, and a non-zero exit."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from workers_support import worker_env

from storyreel.testing.servers import free_port, redis_bin

SECRET = "s3cret-Passw0rd"


def start_worker(tmp_path: Path, broker: str) -> subprocess.CompletedProcess[str]:
    env = worker_env(tmp_path / "output", jobs__queue="celery", jobs__broker_url=broker)
    return subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "worker"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def assert_one_line_without_secret(done: subprocess.CompletedProcess[str], shown: str) -> None:
    assert done.returncode != 0
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert shown in lines[0]
    assert SECRET not in done.stderr + done.stdout


def test_worker_cmd_unreachable_broker_fails_in_one_line(tmp_path: Path) -> None:
    port = free_port()  # nobody listens there

    done = start_worker(tmp_path, f"redis://:{SECRET}@127.0.0.1:{port}/0")

    assert_one_line_without_secret(done, f"redis://:***@127.0.0.1:{port}/0")
    assert "cannot reach the broker" in done.stderr


@pytest.fixture
def guarded_redis(tmp_path: Path, redis_server: Any) -> Any:
    """A Redis server of this test's own that wants a password (``redis_server`` only
    decides whether Redis is installed, skipping or failing as the run demands)."""
    binary = redis_bin()
    assert binary is not None
    port = free_port()
    server = subprocess.Popen(
        [
            str(binary),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--requirepass",
            "the-right-one",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            redis.Redis(port=port, password="the-right-one", socket_connect_timeout=1).ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "the guarded Redis never started"
            time.sleep(0.05)
    yield port
    server.terminate()
    server.wait(timeout=10)


def test_worker_cmd_wrong_broker_password_fails_in_one_line(
    tmp_path: Path, guarded_redis: int
) -> None:
    done = start_worker(tmp_path, f"redis://:{SECRET}@127.0.0.1:{guarded_redis}/0")

    assert_one_line_without_secret(done, f"redis://:***@127.0.0.1:{guarded_redis}/0")
    assert "password" in done.stderr


def start_worker_on_store(
    tmp_path: Path, broker: str, store: str
) -> subprocess.CompletedProcess[str]:
    env = worker_env(
        tmp_path / "output", jobs__queue="celery", jobs__broker_url=broker, jobs__store_url=store
    )
    return subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "worker"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_worker_cmd_unreachable_database_fails_in_one_line(tmp_path: Path, redis_url: str) -> None:
    port = free_port()
    done = start_worker_on_store(
        tmp_path, redis_url, f"postgresql://storyreel:{SECRET}@127.0.0.1:{port}/jobs"
    )

    assert_one_line_without_secret(done, f"postgresql://storyreel:***@127.0.0.1:{port}/jobs")


def test_worker_cmd_wrong_database_password_fails_in_one_line(
    tmp_path: Path, redis_url: str, postgres_server: Any
) -> None:
    url = postgres_server.url(password=SECRET)

    done = start_worker_on_store(tmp_path, redis_url, url)

    assert_one_line_without_secret(
        done, f"postgresql://storyreel:***@127.0.0.1:{postgres_server.port}/"
    )
    assert "password" in done.stderr


@pytest.mark.parametrize("broken", ["broker", "database"])
def test_worker_cmd_serve_refuses_to_start_on_what_it_cannot_reach(
    tmp_path: Path, broken: str
) -> None:
    port = free_port()  # nobody listens there
    nowhere = {
        "broker": ("jobs__broker_url", f"redis://:{SECRET}@127.0.0.1:{port}/0"),
        "database": ("jobs__store_url", f"postgresql://sr:{SECRET}@127.0.0.1:{port}/sr"),
    }
    settings = {"jobs__queue": "celery", "jobs__broker_url": f"redis://127.0.0.1:{free_port()}/0"}
    settings |= dict([nowhere[broken]])
    env = worker_env(tmp_path / "output", **settings)
    done = subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "serve", "--port", "0"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    scheme = "redis" if broken == "broker" else "postgresql"
    assert_one_line_without_secret(done, f"{scheme}://")
    assert f"127.0.0.1:{port}" in done.stderr
    assert "***" in done.stderr
