"""`storyreel db upgrade` and `storyreel db status`, run as a user runs them: the schema made
once and left alone after, the store opening on it, and a database that cannot be reached or
refuses the login told in one line that never shows the password."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_support import run_storyreel, storyreel_env

from storyreel.db_schema import CURRENT_VERSION
from storyreel.jobs.postgres import PostgresJobStore
from storyreel.testing.servers import POSTGRES_PASSWORD, free_port


def db(tmp_path: Path, command: str, url: str | None) -> subprocess.CompletedProcess[str]:
    settings = {"jobs__store_url": url} if url else {}
    env = storyreel_env(tmp_path / "out", **settings)
    return run_storyreel(tmp_path, "db", command, env=env)


def shown(url: str) -> str:
    return url.replace(f":{POSTGRES_PASSWORD}@", ":***@")


def test_db_upgrade_makes_the_schema_once_then_the_store_opens(
    tmp_path: Path, postgres_url: str
) -> None:
    first = db(tmp_path, "upgrade", postgres_url)
    again = db(tmp_path, "upgrade", postgres_url)
    status = db(tmp_path, "status", postgres_url)

    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        f"storyreel schema: version 0 -> {CURRENT_VERSION} at {shown(postgres_url)}"
    )
    assert again.returncode == 0, again.stderr
    assert "already up to date" in again.stdout
    assert status.returncode == 0, status.stderr
    assert f"version {CURRENT_VERSION}" in status.stdout
    assert "up to date" in status.stdout
    for done in (first, again, status):
        assert POSTGRES_PASSWORD not in done.stdout + done.stderr
    store = PostgresJobStore(postgres_url)
    try:
        assert store.list_jobs() == []
    finally:
        store.close()


def test_db_status_of_a_database_never_upgraded_says_to_upgrade(
    tmp_path: Path, postgres_url: str
) -> None:
    done = db(tmp_path, "status", postgres_url)

    assert done.returncode == 1
    assert "version 0" in done.stdout
    assert "storyreel db upgrade" in done.stdout
    assert POSTGRES_PASSWORD not in done.stdout + done.stderr


def _refused_in_one_line(done: subprocess.CompletedProcess[str], url: str) -> str:
    assert done.returncode == 69  # EX_UNAVAILABLE
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert shown(url) in lines[0]
    assert "Traceback" not in done.stderr
    assert POSTGRES_PASSWORD not in done.stdout + done.stderr
    return lines[0]


def test_db_upgrade_of_a_server_nobody_runs_is_one_line(tmp_path: Path) -> None:
    url = f"postgresql://storyreel:{POSTGRES_PASSWORD}@127.0.0.1:{free_port()}/jobs"

    for command in ("upgrade", "status"):
        line = _refused_in_one_line(db(tmp_path, command, url), url)
        assert line.startswith("error: cannot reach")
        assert "a retry may help" in line


def test_db_upgrade_with_a_wrong_password_is_one_line(tmp_path: Path, postgres_url: str) -> None:
    wrong = postgres_url.replace(f":{POSTGRES_PASSWORD}@", ":wrong-secret-42@")

    done = db(tmp_path, "upgrade", wrong)

    assert "wrong-secret-42" not in done.stdout + done.stderr
    line = _refused_in_one_line(done, wrong.replace("wrong-secret-42", POSTGRES_PASSWORD))
    assert "password is wrong" in line


def test_db_upgrade_without_a_store_url_makes_the_sqlite_store(tmp_path: Path) -> None:
    done = db(tmp_path, "upgrade", None)

    assert done.returncode == 0, done.stderr
    assert "SQLite" in done.stdout
    assert (tmp_path / "out" / "storyreel-jobs.sqlite3").is_file()


def test_db_commands_do_not_load_psycopg_until_run() -> None:
    code = (
        "import sys\n"
        "from storyreel.cli import app\n"
        "app._register()\n"
        "import storyreel.containers, storyreel.jobs\n"
        "print([m for m in sys.modules if m.startswith('psycopg')])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
