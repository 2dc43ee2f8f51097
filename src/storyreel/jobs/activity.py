"""What the jobs did, beside their steps, in the job store (its SQLite file, or its PostgreSQL
database): each Veo operation's timing and polls, every provider call and wait for budget,
each reel assembly. The metrics and ``storyreel stats`` read it; adaptive polling learns each
model's operation time from it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storyreel.jobs.activity_db import ActivityDb
from storyreel.jobs.sqlite import default_store_path
from storyreel.quota import CHAT
from storyreel.settings import Settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Shape:
    """What a Veo operation's time depends on: the model, the resolution, the clip length."""

    model: str
    resolution: str
    duration_s: int


@dataclass(frozen=True)
class OperationRow:
    """One operation as recorded. ``pending_s`` and ``done_s`` are seconds after the submit of
    the last poll that found it running and of the poll that found it done (None unless it
    was watched from its submit)."""

    operation: str
    shape: Shape
    submitted_at: float
    polls: int
    pending_s: float | None
    done_s: float | None
    outcome: str | None


def client_of(kind: str) -> str:
    """The provider a kind of call goes to."""
    return "openrouter" if kind == CHAT else "google"


class ActivityLog:
    """The activity tables in the job store: its SQLite file, or the PostgreSQL database
    ``where`` names (a ``postgresql://`` URL, its schema made by ``storyreel db upgrade``).

    Nothing is recorded in a SQLite file until a job store exists there (a one-off command
    leaves the output folder as it was). Writes are short transactions; one that cannot be
    made (the file busy for long, a full disk, the database unreachable) is logged and
    dropped: these are figures, never what a job's safety rests on. ``read_only`` opens an
    existing file for the figures alone.
    """

    def __init__(
        self, where: Path | str, *, read_only: bool = False, busy_timeout_s: float = 5.0
    ) -> None:
        self._db = ActivityDb(where, read_only=read_only, busy_timeout_s=busy_timeout_s)
        self._warned = False

    @classmethod
    def in_output_dir(cls, output_dir: Path, *, read_only: bool = False) -> ActivityLog:
        return cls(default_store_path(output_dir), read_only=read_only)

    @classmethod
    def of_settings(cls, settings: Settings, *, read_only: bool = False) -> ActivityLog:
        """The log beside the job store of ``settings``: its PostgreSQL database when
        ``jobs.store_url`` is set, else the file in the output folder."""
        url = settings.jobs.store_url
        if url is not None:
            return cls(url.get_secret_value(), read_only=read_only)
        return cls.in_output_dir(settings.output_dir, read_only=read_only)

    def close(self) -> None:
        self._db.close()

    # Writing.

    def submitted(self, operation: str, shape: Shape, at: float | None = None) -> None:
        """A Veo operation was accepted (now, or at ``at``, Unix time)."""
        self._write(
            "INSERT INTO operations (operation, model, resolution, duration_s, "
            "submitted_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (operation, shape.model, shape.resolution, shape.duration_s, at or time.time()),
        )

    def collected(
        self,
        operation: str,
        *,
        polls: int,
        outcome: str,
        pending_s: float | None = None,
        done_s: float | None = None,
    ) -> None:
        """A wait on ``operation`` ended (``outcome``: succeeded, failed, waiting, stopped)
        after ``polls`` more polls; the bracket of its finish when it was watched from its
        submit."""
        self._write(
            "UPDATE operations SET polls = polls + ?, outcome = ?, "
            "pending_s = coalesce(?, pending_s), done_s = coalesce(?, done_s) WHERE operation = ?",
            (polls, outcome, pending_s, done_s, operation),
        )

    def found(self, operation: str, *, pending_s: float | None, done_s: float) -> None:
        """A poll found ``operation`` done (``done_s`` after its submit; the last one that
        found it running ``pending_s``): learned from at once, before its clip is saved."""
        self._write(
            "UPDATE operations SET pending_s = ?, done_s = ?, outcome = 'ready' "
            "WHERE operation = ?",
            (pending_s, done_s, operation),
        )

    def called(self, kind: str, model: str, error: str | None) -> None:
        self._write(
            "INSERT INTO provider_calls VALUES (?, ?, ?, 1) ON CONFLICT (client, kind, error) "
            "DO UPDATE SET calls = provider_calls.calls + 1",
            (client_of(kind), kind, error or ""),
        )

    def waited(self, kind: str, model: str, seconds: float) -> None:
        self._write(
            "INSERT INTO quota_waits VALUES (?, 1, ?) ON CONFLICT (kind) DO UPDATE SET "
            "waits = quota_waits.waits + 1, seconds = quota_waits.seconds + excluded.seconds",
            (kind, seconds),
        )

    def assembled(self, seconds: float) -> None:
        self._write("INSERT INTO assemblies VALUES (?, ?)", (time.time(), seconds))

    # Reading.

    def operation(self, name: str) -> OperationRow | None:
        rows = list(self._rows("WHERE operation = ?", (name,)))
        return rows[0] if rows else None

    def recent(self, shape: Shape, limit: int) -> list[OperationRow]:
        """The latest ``limit`` operations of ``shape`` found done (and not failed since)
        while watched from their submit."""
        return list(
            self._rows(
                "WHERE model = ? AND resolution = ? AND duration_s = ? "
                "AND outcome IN ('ready', 'succeeded') "
                "AND done_s IS NOT NULL ORDER BY submitted_at DESC LIMIT ?",
                (shape.model, shape.resolution, shape.duration_s, limit),
            )
        )

    def operations(self) -> list[OperationRow]:
        return list(self._rows("ORDER BY submitted_at", ()))

    def provider_calls(self) -> list[tuple[str, str, str, int]]:
        """``(client, kind, error, calls)``; error "" counts the calls that succeeded."""
        return self._read("SELECT * FROM provider_calls ORDER BY 1, 2, 3")

    def quota_waits(self) -> list[tuple[str, int, float]]:
        """``(kind, waits, seconds)``."""
        return self._read("SELECT * FROM quota_waits ORDER BY 1")

    def assemblies(self) -> list[float]:
        """Seconds each reel assembly took, oldest first."""
        return [row[0] for row in self._read("SELECT seconds FROM assemblies ORDER BY at")]

    def _rows(self, where: str, args: tuple[object, ...]) -> Iterator[OperationRow]:
        # ``where`` is always one of this class's constant clauses; values go in as parameters.
        columns = "operation, model, resolution, duration_s, submitted_at, polls, pending_s"
        query = f"SELECT {columns}, done_s, outcome FROM operations {where}"  # noqa: S608
        for row in self._read(query, args):
            yield OperationRow(row[0], Shape(row[1], row[2], row[3]), *row[4:])

    def _read(self, query: str, args: tuple[object, ...] = ()) -> list[Any]:
        return self._db.rows(query, args)

    def _write(self, statement: str, args: tuple[object, ...]) -> None:
        try:
            self._db.rows(statement, args)
        except Exception as exc:
            if not isinstance(exc, self._db.failures):
                raise
            if not self._warned:
                self._warned = True
                logger.warning("could not record activity in %s: %s", self._db.shown, exc)


def activity_resource(settings: Settings) -> Iterator[ActivityLog]:
    """Container resource: the activity log beside the job store of ``settings`` (its
    PostgreSQL database when ``jobs.store_url`` is set, else the output folder's file),
    closed on shutdown."""
    log = ActivityLog.of_settings(settings)
    try:
        yield log
    finally:
        log.close()


__all__ = ["ActivityLog", "OperationRow", "Shape", "activity_resource", "client_of"]
