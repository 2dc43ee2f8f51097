"""storyreel's tables in a PostgreSQL database, versioned: created and migrated by
``storyreel db upgrade`` (:func:`upgrade`), checked by every process that opens them
(:func:`require_current`).

Everything lives in its own schema, ``storyreel``, so that it can share a database with a
host application's tables; connections made by :func:`storyreel_connection` look there
first. Columns mirror the SQLite job store's (times as ISO-8601 text, JSON as text), so that
one set of row conversions serves both backends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from storyreel.databases import connect_postgres, without_password
from storyreel.errors import ConfigError

if TYPE_CHECKING:
    import psycopg

SCHEMA: Final = "storyreel"
# Taken for the length of an upgrade, so that two upgrades never interleave.
_UPGRADE_LOCK: Final = 0x5354_5259  # "STRY"

# Each entry brings the database from the version before it to its own number. Append only:
# a released migration is never edited.
MIGRATIONS: Final[tuple[tuple[int, str, tuple[str, ...]], ...]] = (
    (
        1,
        "jobs and steps; rate-limit budgets; job activity",
        (
            """CREATE TABLE jobs (
                id TEXT PRIMARY KEY,
                status TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                heartbeat_at TEXT,
                input TEXT NOT NULL,
                out_dir TEXT NOT NULL,
                owner TEXT,
                fence BIGINT NOT NULL DEFAULT 0,
                cancel_requested INTEGER NOT NULL DEFAULT 0,
                story TEXT,
                usage TEXT NOT NULL,
                estimated_cost_usd DOUBLE PRECISION,
                reasons TEXT NOT NULL,
                manifest TEXT
            )""",
            "CREATE INDEX jobs_by_status ON jobs (status)",
            "CREATE INDEX jobs_by_created ON jobs (created_at DESC, id DESC)",
            """CREATE TABLE steps (
                job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                kind TEXT NOT NULL,
                idx INTEGER,
                status TEXT NOT NULL,
                operation TEXT,
                artifact TEXT,
                attempts INTEGER NOT NULL,
                submissions INTEGER NOT NULL,
                error TEXT,
                updated_at TEXT NOT NULL,
                PRIMARY KEY (job_id, key)
            )""",
            # Rate-limit budgets shared by every worker (storyreel.quota).
            """CREATE TABLE calls (
                id BIGSERIAL PRIMARY KEY,
                bucket TEXT NOT NULL,
                at DOUBLE PRECISION NOT NULL,
                pending INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX calls_by_bucket ON calls (bucket, at)",
            "CREATE TABLE pauses (bucket TEXT PRIMARY KEY, until DOUBLE PRECISION NOT NULL)",
            "CREATE TABLE flights (token TEXT PRIMARY KEY, expires DOUBLE PRECISION NOT NULL)",
            """CREATE TABLE waits (
                waiter TEXT PRIMARY KEY,
                job_id TEXT,
                step TEXT,
                what TEXT NOT NULL,
                since DOUBLE PRECISION NOT NULL
            )""",
            # What jobs did, for the metrics and adaptive polling (storyreel.jobs.activity).
            """CREATE TABLE operations (
                operation TEXT PRIMARY KEY,
                model TEXT NOT NULL,
                resolution TEXT NOT NULL,
                duration_s INTEGER NOT NULL,
                submitted_at DOUBLE PRECISION NOT NULL,
                polls INTEGER NOT NULL DEFAULT 0,
                pending_s DOUBLE PRECISION,
                done_s DOUBLE PRECISION,
                outcome TEXT
            )""",
            """CREATE INDEX operations_by_shape
                ON operations (model, resolution, duration_s, submitted_at)""",
            """CREATE TABLE provider_calls (
                client TEXT NOT NULL,
                kind TEXT NOT NULL,
                error TEXT NOT NULL,
                calls BIGINT NOT NULL,
                PRIMARY KEY (client, kind, error)
            )""",
            """CREATE TABLE quota_waits (
                kind TEXT PRIMARY KEY,
                waits BIGINT NOT NULL,
                seconds DOUBLE PRECISION NOT NULL
            )""",
            """CREATE TABLE assemblies (
                at DOUBLE PRECISION NOT NULL,
                seconds DOUBLE PRECISION NOT NULL
            )""",
        ),
    ),
)
CURRENT_VERSION: Final = MIGRATIONS[-1][0]


def storyreel_connection(url: str, *, what: str = "the job store") -> psycopg.Connection[Any]:
    """A connection to ``url`` that finds storyreel's tables first (``search_path``), in
    autocommit mode: callers open their own transactions (``with db.transaction():``)."""
    return connect_postgres(
        url, what=what, autocommit=True, options=f"-c search_path={SCHEMA},public"
    )


def version_of(db: psycopg.Connection[Any]) -> int:
    """The schema version of the database ``db`` is connected to: 0 when storyreel has never
    been installed there."""
    found = db.execute("SELECT to_regclass(%s)", (f"{SCHEMA}.schema_version",)).fetchone()
    if found is None or found[0] is None:
        return 0
    row = db.execute(f"SELECT version FROM {SCHEMA}.schema_version").fetchone()  # noqa: S608
    return int(row[0]) if row else 0


def require_current(db: psycopg.Connection[Any], url: str) -> None:
    """A ConfigError unless the database holds exactly the schema this storyreel uses."""
    found = version_of(db)
    if found == CURRENT_VERSION:
        return
    where = without_password(url)
    if found > CURRENT_VERSION:
        raise ConfigError(
            f"the database at {where} is at storyreel schema version {found}, newer than this "
            f"storyreel knows ({CURRENT_VERSION}): upgrade storyreel on this machine"
        )
    raise ConfigError(
        f"the database at {where} is at storyreel schema version {found}, and this storyreel "
        f"needs {CURRENT_VERSION}: run `storyreel db upgrade` (with the same "
        "STORYREEL_JOBS__STORE_URL) first"
    )


def upgrade(url: str) -> tuple[int, int]:
    """Bring the database at ``url`` to :data:`CURRENT_VERSION`, one migration per
    transaction; (version before, version after). Safe to run again, and from two places at
    once (they take turns)."""
    with storyreel_connection(url, what="the database to upgrade") as db:
        with db.transaction():
            db.execute("SELECT pg_advisory_lock(%s)", (_UPGRADE_LOCK,))
        try:
            before = version_of(db)
            if before > CURRENT_VERSION:
                require_current(db, url)
            for version, _, statements in MIGRATIONS:
                if version <= version_of(db):
                    continue
                with db.transaction():
                    db.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
                    db.execute(
                        f"CREATE TABLE IF NOT EXISTS {SCHEMA}.schema_version "
                        "(version INTEGER NOT NULL)"
                    )
                    for statement in statements:
                        db.execute(statement)
                    db.execute(f"DELETE FROM {SCHEMA}.schema_version")  # noqa: S608
                    db.execute(
                        f"INSERT INTO {SCHEMA}.schema_version (version) VALUES (%s)",  # noqa: S608
                        (version,),
                    )
            return before, version_of(db)
        finally:
            with db.transaction():
                db.execute("SELECT pg_advisory_unlock(%s)", (_UPGRADE_LOCK,))


__all__ = [
    "CURRENT_VERSION",
    "MIGRATIONS",
    "SCHEMA",
    "require_current",
    "storyreel_connection",
    "upgrade",
    "version_of",
]
