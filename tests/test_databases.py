"""storyreel.databases: URLs as they may be shown, and why a database could not be reached,
in one line without the password."""

from __future__ import annotations

import pytest

from storyreel.databases import is_postgres_url, one_line, postgres_trouble, without_password
from storyreel.errors import ConfigError
from storyreel.settings import load_settings


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://me:s3cret@db.example:5432/jobs", "postgresql://me:***@db.example:5432/jobs"),
        (
            "postgres://me:p%40ss@[::1]:5432/x?sslmode=require",
            "postgres://me:***@[::1]:5432/x?sslmode=require",
        ),
        ("redis://:only-a-password@cache:6379/0", "redis://:***@cache:6379/0"),
        ("postgresql://me@db/jobs", "postgresql://me@db/jobs"),
        ("postgresql:///jobs", "postgresql:///jobs"),
    ],
)
def test_databases_without_password_hides_only_the_password(url: str, shown: str) -> None:
    assert without_password(url) == shown


def test_databases_without_password_of_an_unreadable_url_shows_nothing_of_it() -> None:
    assert without_password("postgresql://me:s3cret@[::1/jobs") == "<unreadable URL>"


def test_databases_is_postgres_url() -> None:
    assert is_postgres_url("postgresql://h/db")
    assert is_postgres_url("postgres://h/db")
    assert not is_postgres_url("redis://h/0")
    assert not is_postgres_url(None)
    assert not is_postgres_url("")


@pytest.mark.parametrize(
    ("server_said", "hint"),
    [
        (
            'connection failed: FATAL:  password authentication failed for user "me"',
            "password is wrong; a retry will not help",
        ),
        ('connection failed: FATAL:  database "jobs" does not exist', "does not exist"),
        (
            'connection failed: connection to server at "127.0.0.1", port 1 failed:\n'
            "Connection refused\n\tIs the server running on that host?",
            "a retry may help",
        ),
    ],
)
def test_databases_postgres_trouble_is_one_line_without_password(
    server_said: str, hint: str
) -> None:
    url = "postgresql://me:s3cret@127.0.0.1:1/jobs"

    line = postgres_trouble(url, RuntimeError(server_said + " (s3cret)"), what="the job store")

    assert line.startswith("cannot reach the job store at postgresql://me:***@127.0.0.1:1/jobs: ")
    assert hint in line
    assert "\n" not in line
    assert "\t" not in line
    assert "s3cret" not in line


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://u@h/db?password=hunter2&sslmode=require",
            "postgresql://u@h/db?password=***&sslmode=require",
        ),
        ("redis://h:6379/0?password=hunter2", "redis://h:6379/0?password=***"),
        (
            "postgresql://u:hunter2@h/db?sslpassword=hunter2",
            "postgresql://u:***@h/db?sslpassword=***",
        ),
    ],
)
def test_databases_passwords_in_query_parameters_are_masked_and_redacted(
    url: str, shown: str
) -> None:
    assert without_password(url) == shown
    assert one_line(RuntimeError(f"refused {url}"), url) == f"refused {url}".replace(
        "hunter2", "***"
    )
    settings = load_settings(
        {"jobs": {"store_url": url if url.startswith("postgresql") else None}},
        env={"STORYREEL_JOBS__BROKER_URL": url} if url.startswith("redis") else {},
        config_file=None,
        dotenv=None,
    )
    assert "hunter2" in settings.secret_values()


def test_databases_a_server_port_that_is_no_number_is_refused_without_the_url() -> None:
    with pytest.raises(ConfigError, match="port that is not a number") as refused:
        load_settings(
            env={
                "STORYREEL_JOBS__QUEUE": "celery",
                "STORYREEL_JOBS__BROKER_URL": "redis://:hunter2@127.0.0.1:notaport/0",
            },
            config_file=None,
            dotenv=None,
        )
    assert "hunter2" not in str(refused.value)
