"""Workers mode's servers: a real PostgreSQL (the job store) and Redis (the broker) from the
system's binaries (``storyreel.testing.servers``), each in a folder of its own on a free
loopback port, logging in with a fake password the soak then looks for everywhere."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from psycopg import sql

from storyreel.db_schema import upgrade
from storyreel.testing.servers import POSTGRES_USER, PostgresServer, RedisServer, missing

from .leaks import FakeSecret

DATABASE_PASSWORD_ENV = "SOAK_DATABASE_PASSWORD"
BROKER_PASSWORD_ENV = "SOAK_BROKER_PASSWORD"


@dataclass
class Services:
    """The PostgreSQL and Redis of one soak; ``stop`` ends both and removes their folders."""

    roots: list[Path] = field(default_factory=list)
    postgres: PostgresServer | None = None
    redis: RedisServer | None = None
    store_url: str = ""
    broker_url: str = ""
    logs: list[Path] = field(default_factory=list)

    def start(self, fakes: list[FakeSecret]) -> None:
        """Start both servers, set their passwords to the fake ones, create the database at
        storyreel's current schema; ``store_url`` and ``broker_url`` name them (with the
        passwords, as a deployment's settings would). A RuntimeError when one cannot start."""
        try:
            self._start(fakes)
        except (psycopg.Error, redis.RedisError, subprocess.CalledProcessError, OSError) as exc:
            raise RuntimeError(f"cannot start PostgreSQL and Redis: {exc}") from None

    def _start(self, fakes: list[FakeSecret]) -> None:
        for service in ("postgresql", "redis"):
            why = missing(service)
            if why:
                raise RuntimeError(why)
        db_password = _fake(fakes, DATABASE_PASSWORD_ENV)
        broker_password = _fake(fakes, BROKER_PASSWORD_ENV)
        # Folders of their own (not under the soak's): as root, PostgreSQL runs as the user
        # postgres, which must own its folder and reach it.
        self.postgres = PostgresServer(self._root("storyreel-soak-pg-")).start()
        self.logs.append(self.postgres.root / "postgres.log")
        store_url = self.postgres.create_database()
        with psycopg.connect(self.postgres.url(), autocommit=True, connect_timeout=10) as db:
            db.execute(
                sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    sql.Identifier(POSTGRES_USER), sql.Literal(db_password)
                )
            )
        database = store_url.rsplit("/", 1)[1]
        self.store_url = self.postgres.url(database, password=db_password)
        upgrade(self.store_url)
        self.redis = RedisServer(self._root("storyreel-soak-redis-")).start()
        self.logs.append(self.redis.root / "redis.log")
        client = redis.Redis.from_url(self.redis.url())
        try:
            client.config_set("requirepass", broker_password)
        finally:
            client.close()
        self.broker_url = f"redis://:{broker_password}@127.0.0.1:{self.redis.port}/0"

    def _root(self, prefix: str) -> Path:
        root = Path(tempfile.mkdtemp(prefix=prefix))
        self.roots.append(root)
        return root

    def stop(self, keep_logs_in: Path | None = None) -> None:
        """Stop the servers (each waits for its process), copy their logs into the folder
        ``keep_logs_in`` (when it is still there), and remove their folders."""
        for server in (self.redis, self.postgres):
            if server is not None:
                with contextlib.suppress(OSError, RuntimeError):
                    server.stop()
        for log in self.logs:
            if keep_logs_in is not None and keep_logs_in.is_dir() and log.is_file():
                shutil.copyfile(log, keep_logs_in / log.name)
        for root in self.roots:
            shutil.rmtree(root, ignore_errors=True)


def _fake(fakes: list[FakeSecret], env: str) -> str:
    return next(fake.value for fake in fakes if fake.env == env)
