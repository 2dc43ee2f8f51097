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


def make_secrets() -> list[FakeSecret]:
    made = []
    for env, prefix in (
        ("OPENAI_API_KEY", "sk-or-v1-SOAKFAKE"),
        ("GOOGLE_STUDIO_API_KEY", "AQ.SOAKFAKE"),
        ("STORYREEL_API_TOKEN", "soak-token-"),
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
    """Scan every row of every table as text; returns the number of rows."""
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
