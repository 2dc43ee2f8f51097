"""``storyreel db upgrade`` and ``storyreel db status``: storyreel's tables in the job store's
database (``jobs.store_url``), created and migrated to the version this storyreel needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer

from storyreel.cli.help_format import StoryreelGroup
from storyreel.cli.state import state

T = TypeVar("T")

db_app = typer.Typer(
    help="Create or migrate the job store's database (jobs.store_url).",
    cls=StoryreelGroup,
    no_args_is_help=True,
)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Bring the PostgreSQL database at jobs.store_url to the schema this storyreel needs
    (safe to run again, and from several machines at once). Without a store_url, the SQLite
    job store in output_dir is created or brought up to date."""
    from storyreel.databases import without_password
    from storyreel.jobs.stores import store_url

    settings = state(ctx).settings()
    url = store_url(settings)
    if url is None:
        from storyreel.jobs.sqlite import SqliteJobStore

        store = SqliteJobStore.in_output_dir(settings.output_dir)
        store.close()
        typer.echo(f"storyreel job store: SQLite at {store.path}, up to date (no jobs.store_url)")
        return
    from storyreel.db_schema import upgrade as upgrade_schema

    before, after = _in_one_line(url, lambda: upgrade_schema(url))
    where = without_password(url)
    if before == after:
        typer.echo(f"storyreel schema: version {after} at {where}, already up to date")
    else:
        typer.echo(f"storyreel schema: version {before} -> {after} at {where}")


@db_app.command("status")
def status(ctx: typer.Context) -> None:
    """Say which schema version the database at jobs.store_url holds and which this
    storyreel needs; exit code 1 when they differ."""
    from storyreel.databases import without_password
    from storyreel.db_schema import CURRENT_VERSION, storyreel_connection, version_of
    from storyreel.jobs.stores import store_url

    settings = state(ctx).settings()
    url = store_url(settings)
    if url is None:
        typer.echo(
            "storyreel job store: SQLite in output_dir, migrated when opened (no jobs.store_url)"
        )
        return

    def read_version() -> int:
        with storyreel_connection(url, what="the job store") as db:
            return version_of(db)

    found = _in_one_line(url, read_version)
    where = without_password(url)
    if found == CURRENT_VERSION:
        typer.echo(f"storyreel schema: version {found} at {where}, up to date")
        return
    advice = "run `storyreel db upgrade`" if found < CURRENT_VERSION else "upgrade storyreel"
    typer.echo(
        f"storyreel schema: version {found} at {where}, this storyreel needs "
        f"{CURRENT_VERSION}: {advice}"
    )
    raise typer.Exit(1)


def _in_one_line(url: str, work: Callable[[], T]) -> T:
    """``work()``, a failure of the database (refused rights, a statement that failed) told
    in one line without the password, like a failure to reach it."""
    try:
        return work()
    except Exception as exc:
        if not type(exc).__module__.startswith("psycopg"):
            raise
        from storyreel.jobs.postgres_pool import store_trouble
        from storyreel.jobs.store import StoreError

        raise StoreError(store_trouble(url, exc)) from None
