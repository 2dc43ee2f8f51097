"""Fake secrets: recognisable values given to the server, whose random part is searched for
afterwards in every response body, log, manifest, story, job-store row and other file."""

from __future__ import annotations

import contextlib
import secrets
import sqlite3
from collections import Counter
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class FakeSecret:
    env: str
    value: str
    needle: bytes


# The passwords of workers mode's PostgreSQL and Redis: given to the processes only inside
# jobs.store_url and jobs.broker_url (their ``env`` is no setting, just a name).
SERVICE_SECRETS = (
    ("SOAK_DATABASE_PASSWORD", "soakdb-"),
    ("SOAK_BROKER_PASSWORD", "soakbroker-"),
)


def make_secrets(*, services: bool = False) -> list[FakeSecret]:
    """The API keys and token; with ``services``, the database and broker passwords too."""
    made = []
    for env, prefix in (
        ("OPENAI_API_KEY", "sk-or-v1-SOAKFAKE"),
        ("GOOGLE_STUDIO_API_KEY", "AQ.SOAKFAKE"),
        ("STORYREEL_API_TOKEN", "soak-token-"),
        *(SERVICE_SECRETS if services else ()),
    ):
        tail = secrets.token_hex(16)
        made.append(FakeSecret(env, prefix + tail, tail.encode()))
    return made


class LeakLedger:
    """Counts occurrences of each fake secret, by where they were found."""

    def __init__(self, fakes: list[FakeSecret]) -> None:
        self._fakes = fakes
        self.by_source: Counter[str] = Counter()
        self.by_secret: Counter[str] = Counter()
        self.scanned: Counter[str] = Counter()

    def scan(self, source: str, data: bytes | str) -> None:
        raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
        self.scanned[source] += 1
        for fake in self._fakes:
            found = raw.count(fake.needle)
            if found:
                self.by_source[source] += found
                self.by_secret[fake.env] += found

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


def scan_store(ledger: LeakLedger, path: Path) -> int:
    """Scan every row of every table of the SQLite store at ``path`` as text; returns the
    number of rows."""
    rows = 0
    with contextlib.closing(sqlite3.connect(path)) as db:
        tables = [
            name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        for table in tables:
            quoted = table.replace('"', '""')
            for row in db.execute(f'SELECT * FROM "{quoted}"'):  # noqa: S608 - names from sqlite_master
                ledger.scan("job_store_rows", repr(row))
                rows += 1
    return rows


def scan_files(ledger: LeakLedger, workdir: Path) -> None:
    """Logs, manifests, stories, and (as ``other_files``) every other byte on disk."""
    for path in sorted(p for p in workdir.rglob("*") if p.is_file()):
        name = path.name
        if name.endswith(".log"):
            source = "logs"
        elif name == "manifest.json":
            source = "manifests"
        elif name == "story.json":
            source = "stories"
        else:
            source = "other_files"
        ledger.scan(source, path.read_bytes())


def scan_postgres(ledger: LeakLedger, url: str) -> int:
    """Scan every row of every table of storyreel's schema in the PostgreSQL database at
    ``url`` as text; returns the number of rows."""
    import psycopg
    from psycopg import sql

    from storyreel.db_schema import SCHEMA

    rows = 0
    with psycopg.connect(url, connect_timeout=10) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
                (SCHEMA,),
            )
        ]
        for table in sorted(tables):
            query = sql.SQL("SELECT * FROM {}.{}").format(
                sql.Identifier(SCHEMA), sql.Identifier(table)
            )
            for row in db.execute(query):
                ledger.scan("job_store_rows", repr(row))
                rows += 1
    return rows
