"""A worker whose job store is out of reach for a while (PostgreSQL restarting, failing over):
the action it received is sent again for later, not acknowledged and dropped, and the job
runs once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from workers_support import submissions

from storyreel.containers import create_container
from storyreel.db_schema import storyreel_connection, upgrade
from storyreel.jobs.models import SERVER_ROLE, JobStatus, this_process
from storyreel.settings import Settings, load_settings
from storyreel.workers import TASK_NAME, JobAction, WorkerRuntime
from storyreel.workers.runtime import STORE_RETRY_S

SEGMENTS = 2


class SentTasks:
    """A Celery app as far as sending goes: what was sent, and when it should run."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[Any], float | None]] = []

    def send_task(self, name: str, *, args: list[Any], countdown: float | None, **_: Any) -> None:
        self.sent.append((name, args, countdown))

    def close(self) -> None:
        """Nothing to release."""


def store_settings(output_dir: Path, store_url: str) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(output_dir),
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2, "keyframes": False},
            "emulator": {"video_latency_s": 0.3},
            "narration": {"enabled": False},
            "reel": {"enabled": False},
            "jobs": {
                "store_url": store_url,
                "queue": "celery",
                "broker_url": "redis://127.0.0.1:9/0",  # never reached: SentTasks sends
            },
        },
        config_file=None,
        env={},
        dotenv=None,
    )


class Outage:
    """Turns the database away (new connections refused, open ones ended) and back."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.name = parts.path.lstrip("/")
        self.admin = urlunsplit(parts._replace(path="/postgres"))

    def _alter(self, allow: bool) -> None:
        with storyreel_connection(self.admin) as db:
            db.execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS {str(allow).lower()}')
            if not allow:
                db.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                    (self.name,),
                )

    def begin(self) -> None:
        self._alter(False)

    def end(self) -> None:
        self._alter(True)


@pytest.fixture
def outage(postgres_url: str) -> Iterator[Outage]:
    upgrade(postgres_url)
    down = Outage(postgres_url)
    yield down
    down.end()


def test_store_outage_run_is_sent_again_and_the_job_succeeds_once_the_store_is_back(
    tmp_output: Path, postgres_url: str, outage: Outage
) -> None:
    container = create_container(store_settings(tmp_output, postgres_url))
    app = SentTasks()
    runtime = WorkerRuntime(container, app)
    try:
        # The API queued the job (it owns it) and sent a run; then the database went away.
        job = container.job_runner(owner=this_process(SERVER_ROLE)).create(
            "a paper boat", segments=SEGMENTS
        )
        payload = JobAction(kind="run", job_id=job.id, fence=job.fence).payload()
        outage.begin()

        first = runtime.perform_payload(payload)

        assert first["outcome"] == "deferred"
        assert "cannot reach the job store" in first["error"]
        assert app.sent == [(TASK_NAME, [payload], STORE_RETRY_S)]
        outage.end()
        assert container.job_store().get(job.id).status is JobStatus.QUEUED

        # The copy sent for later arrives once the database is back: the job runs.
        again = runtime.perform_payload(app.sent[0][1][0])

        assert again == {"outcome": "done", "status": "succeeded"}
        assert container.job_store().get(job.id).status is JobStatus.SUCCEEDED
        assert submissions(container) == SEGMENTS
        assert len(app.sent) == 1
    finally:
        runtime.close()


class BrokerDown(SentTasks):
    def send_task(self, name: str, *, args: list[Any], countdown: float | None, **_: Any) -> None:
        raise ConnectionRefusedError("Connection refused")


def test_store_outage_with_the_broker_down_too_puts_the_message_back(
    tmp_output: Path, postgres_url: str, outage: Outage
) -> None:
    from celery.exceptions import Reject

    container = create_container(store_settings(tmp_output, postgres_url))
    runtime = WorkerRuntime(container, BrokerDown())
    try:
        job = container.job_runner(owner=this_process(SERVER_ROLE)).create(
            "a paper boat", segments=SEGMENTS
        )
        payload = JobAction(kind="run", job_id=job.id, fence=job.fence).payload()
        outage.begin()

        with pytest.raises(Reject) as rejected:
            runtime.perform_payload(payload)

        # Not acknowledged: the broker hands the same message out again.
        assert rejected.value.requeue is True
        assert "cannot reach the broker at redis://127.0.0.1:9/0" in str(rejected.value.reason)
        outage.end()
        assert container.job_store().get(job.id).status is JobStatus.QUEUED
        assert submissions(container) == 0
    finally:
        runtime.close()
