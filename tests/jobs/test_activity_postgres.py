"""The job activity in a PostgreSQL job store: recorded by one process, read back by another
(``storyreel stats``), and never the cause of a failed job when the database is away."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jobs.fakes import make_story
from storyreel.databases import DatabaseUnavailable
from storyreel.db_schema import upgrade
from storyreel.jobs.activity import ActivityLog, Shape
from storyreel.jobs.figures import gather
from storyreel.jobs.models import JobInput, JobRecord, JobStatus, StepKind, StepRecord, StepStatus
from storyreel.settings import load_settings
from storyreel.testing.servers import free_port

SHAPE = Shape("veo-3.1-generate-001", "1080p", 6)
PASSWORD = "not-the-password-7f3a"


@pytest.fixture
def database(postgres_url: str) -> str:
    upgrade(postgres_url)
    return postgres_url


def test_activity_in_postgres_reads_back_what_was_recorded(database: str) -> None:
    log = ActivityLog(database)
    log.submitted("op-1", SHAPE, at=100.0)
    log.submitted("op-1", SHAPE, at=999.0)  # a resume records the same operation again
    log.found("op-1", pending_s=58.0, done_s=61.0)
    log.collected("op-1", polls=2, outcome="succeeded")
    log.submitted("op-2", SHAPE, at=200.0)
    log.collected("op-2", polls=1, outcome="waiting", pending_s=30.0)
    log.collected("op-2", polls=3, outcome="failed")
    log.submitted("op-3", Shape("veo-3.1-fast-generate-001", "720p", 8), at=300.0)
    log.called("video_poll", "veo", None)
    log.called("video_poll", "veo", None)
    log.called("video_submit", "veo", "http_429")
    log.called("openrouter", "some/model", "ReadTimeout")
    log.waited("video_submit", "veo", 1.25)
    log.waited("video_submit", "veo", 0.75)
    log.waited("image", "gemini", 2.0)
    log.assembled(4.5)
    log.assembled(6.0)
    log.close()

    again = ActivityLog(database)  # another process, as it were
    first = again.operation("op-1")
    assert first is not None
    assert (first.shape, first.submitted_at, first.polls) == (SHAPE, 100.0, 2)
    assert (first.pending_s, first.done_s, first.outcome) == (58.0, 61.0, "succeeded")
    second = again.operation("op-2")
    assert second is not None
    assert (second.polls, second.pending_s, second.done_s, second.outcome) == (
        4,
        30.0,
        None,
        "failed",
    )
    assert again.operation("op-9") is None
    assert [row.operation for row in again.recent(SHAPE, 5)] == ["op-1"]
    assert [row.operation for row in again.operations()] == ["op-1", "op-2", "op-3"]
    assert again.provider_calls() == [
        ("google", "video_poll", "", 2),
        ("google", "video_submit", "http_429", 1),
        ("openrouter", "openrouter", "ReadTimeout", 1),
    ]
    assert again.quota_waits() == [("image", 1, 2.0), ("video_submit", 2, 2.0)]
    assert again.assemblies() == [4.5, 6.0]
    again.close()


def test_stats_of_a_postgres_store_agree_with_what_was_recorded(
    database: str, tmp_path: Path
) -> None:
    from storyreel.jobs.postgres import PostgresJobStore

    settings = load_settings(
        {"output_dir": str(tmp_path / "out"), "jobs": {"store_url": database}},
        config_file=None,
        env={},
        dotenv=None,
    )
    store = PostgresJobStore(database)
    clip = StepRecord(
        key="clip-01", kind=StepKind.CLIP, index=1, status=StepStatus.SUCCEEDED, submissions=2
    )
    job = JobRecord(
        id="j1",
        input=JobInput(story=make_story(1)),
        out_dir=str(tmp_path / "j1"),
        status=JobStatus.SUCCEEDED,
        estimated_cost_usd=3.5,
    )
    store.create(job, [clip])
    log = ActivityLog.of_settings(settings)
    log.submitted("op-1", SHAPE, at=10.0)
    log.found("op-1", pending_s=58.0, done_s=61.0)
    log.collected("op-1", polls=2, outcome="succeeded")
    log.called("video_poll", SHAPE.model, "http_429")
    log.waited("video_submit", SHAPE.model, 3.0)
    log.assembled(2.0)
    expected = gather(store, log, settings).to_json()
    log.close()
    store.close()

    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    env |= {"STORYREEL_JOBS__STORE_URL": database, "STORYREEL_OUTPUT_DIR": str(tmp_path / "x")}
    done = subprocess.run(
        [sys.executable, "-m", "storyreel.cli", "stats", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown == expected
    assert shown["jobs"]["succeeded"] == 1
    assert shown["clips"] == {"submitted": 2, "succeeded": 1, "failed": 0, "repaid": 1}
    assert shown["provider_calls"]["google"]["video_poll"] == {
        "calls": 1,
        "errors": {"http_429": 1},
    }
    assert shown["quota_waits"] == {"video_submit": {"waits": 1, "seconds": 3.0}}
    assert shown["reel_assembly"] == {"count": 1, "seconds_sum": 2.0}
    assert shown["learned_operation_s"][0]["expected_s"] == 59.5
    assert not (tmp_path / "x").exists()  # nothing was read from (or made in) a folder


def test_activity_writes_to_an_unreachable_database_are_dropped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = f"postgresql://storyreel:{PASSWORD}@127.0.0.1:{free_port()}/nowhere"
    log = ActivityLog(url)
    with caplog.at_level(logging.WARNING, logger="storyreel.jobs.activity"):
        log.called("video_poll", "veo", None)
        started = time.monotonic()
        for _ in range(20):  # the database is left alone for a while: no wait each time
            log.submitted("op-1", SHAPE)
        assert time.monotonic() - started < 1.0
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "could not record activity" in warnings[0]
    assert PASSWORD not in warnings[0]
    # The figures are not silently zero: reading says why.
    with pytest.raises(DatabaseUnavailable) as raised:
        log.provider_calls()
    assert PASSWORD not in str(raised.value)
    log.close()
