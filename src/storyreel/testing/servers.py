"""Real PostgreSQL and Redis servers for tests and benchmarks, started from the system's
binaries in a temporary folder on a free loopback port, and stopped with it.

Nothing here reaches beyond 127.0.0.1. Without the binaries, :func:`missing` names the
package to install, so that a test can skip with one line (or fail, where the run demands
the services: ``STORYREEL_REQUIRE_SERVICES=1``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

REQUIRE_ENV: Final = "STORYREEL_REQUIRE_SERVICES"
POSTGRES_USER: Final = "storyreel"
POSTGRES_PASSWORD: Final = "storyreel-test-password"  # noqa: S105 (a throwaway test server's)
_START_TIMEOUT_S: Final = 30.0
_POSTGRES_OPTIONS: Final = (
    *("-c", "listen_addresses=127.0.0.1", "-c", "full_page_writes=off"),
    *("-c", "max_connections=200"),
)
_REDIS_OPTIONS: Final = ("--bind", "127.0.0.1", "--save", "", "--appendonly", "no")


def services_required() -> bool:
    """Whether this run demands the real servers (CI): a missing one is a failure."""
    return os.environ.get(REQUIRE_ENV) == "1"


def postgres_bin() -> Path | None:
    """The folder of PostgreSQL's server programs (``initdb``, ``postgres``), if installed."""
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(found).resolve().parent
    # Debian keeps them off PATH, one folder per major version: take the newest.
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name or 0),
    )
    return Path(versions[-1]).parent if versions else None


def redis_bin() -> Path | None:
    found = shutil.which("redis-server")
    return Path(found) if found else None


def missing(service: str) -> str | None:
    """One line naming what to install when ``service`` ("postgresql" or "redis") is not
    here; None when it is."""
    if service == "postgresql" and postgres_bin() is None:
        return "PostgreSQL is not installed: `apt install postgresql` (Debian) to run this test"
    if service == "redis" and redis_bin() is None:
        return "Redis is not installed: `apt install redis-server` (Debian) to run this test"
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_postgres_user() -> list[str]:
    """PostgreSQL refuses to run as root: as root, run its programs as the ``postgres``
    user that Debian's package creates."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise RuntimeError("running as root without runuser: cannot start PostgreSQL")
    return [runuser, "-u", "postgres", "--"]


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited at start: {log.read_text(errors='replace')[-800:]}")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {_START_TIMEOUT_S} s")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class PostgresServer:
    """A throwaway PostgreSQL cluster: password login for :data:`POSTGRES_USER`, fsync off
    (its data is not worth keeping), listening on 127.0.0.1 only."""

    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, database: str = "postgres", *, password: str = POSTGRES_PASSWORD) -> str:
        return f"postgresql://{POSTGRES_USER}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PostgresServer:
        binaries = postgres_bin()
        if binaries is None:
            raise RuntimeError(missing("postgresql") or "PostgreSQL is not installed")
        data, sockets = self.root / "data", self.root / "sockets"
        sockets.mkdir(parents=True, exist_ok=True)
        secret = self.root / "pwfile"
        secret.write_text(POSTGRES_PASSWORD + "\n")
        prefix = _as_postgres_user()
        if prefix:
            shutil.chown(self.root, "postgres")
            shutil.chown(sockets, "postgres")
            shutil.chown(secret, "postgres")
        initdb = [str(binaries / "initdb"), "-D", str(data), "-U", POSTGRES_USER, "-E", "UTF8"]
        options = ["--auth=scram-sha-256", f"--pwfile={secret}", "--no-sync"]
        subprocess.run([*prefix, *initdb, *options], check=True, capture_output=True)
        log = self.root / "postgres.log"
        for _ in range(5):
            self.port = free_port()
            with log.open("wb") as out:
                where = ["-D", str(data), "-p", str(self.port), "-k", str(sockets)]
                # Its data is not worth keeping: no waiting for the disk.
                quick = ["-c", "fsync=off", "-c", "synchronous_commit=off"]
                self.process = subprocess.Popen(
                    [*prefix, str(binaries / "postgres"), *where, *quick, *_POSTGRES_OPTIONS],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                _wait_for_port(self.port, self.process, log, "PostgreSQL")
                self._wait_for_logins()
                return self
            except RuntimeError:
                _stop(self.process)  # most likely the port was taken meanwhile: try another
        raise RuntimeError(f"PostgreSQL would not start: {log.read_text(errors='replace')[-800:]}")

    def _wait_for_logins(self) -> None:
        # It listens before it lets anyone in ("the database system is starting up").
        import psycopg

        deadline = time.monotonic() + _START_TIMEOUT_S
        while True:
            try:
                psycopg.connect(self.url(), connect_timeout=5).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def create_database(self) -> str:
        """A new empty database; its URL."""
        import psycopg

        name = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url(), autocommit=True, connect_timeout=10) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        _stop(self.process)


@dataclass
class RedisServer:
    """A throwaway Redis server: no persistence, listening on 127.0.0.1 only."""

    root: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> RedisServer:
        binary = redis_bin()
        if binary is None:
            raise RuntimeError(missing("redis") or "Redis is not installed")
        self.root.mkdir(parents=True, exist_ok=True)
        log = self.root / "redis.log"
        for _ in range(5):
            self.port = free_port()
            with log.open("wb") as out:
                where = ["--port", str(self.port), "--dir", str(self.root)]
                self.process = subprocess.Popen(
                    [str(binary), *where, *_REDIS_OPTIONS],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            try:
                _wait_for_port(self.port, self.process, log, "Redis")
                return self
            except RuntimeError:
                _stop(self.process)
        raise RuntimeError(f"Redis would not start: {log.read_text(errors='replace')[-800:]}")

    def flush(self) -> None:
        """Empty every database of the server."""
        import redis

        client = redis.Redis.from_url(self.url())
        try:
            client.flushall()
        finally:
            client.close()

    def stop(self) -> None:
        _stop(self.process)


__all__ = [
    "POSTGRES_PASSWORD",
    "POSTGRES_USER",
    "REQUIRE_ENV",
    "PostgresServer",
    "RedisServer",
    "free_port",
    "missing",
    "services_required",
]
