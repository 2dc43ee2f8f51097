"""The activity beside the job store, and the figures read from both, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jobs.fakes import make_story
from storyreel.domain.reel import ReelPlan, ReelResult
from storyreel.jobs.activity import ActivityLog, Shape
from storyreel.jobs.figures import folder_figures, gather
from storyreel.jobs.models import JobInput, JobRecord, JobStatus, StepKind, StepRecord, StepStatus
from storyreel.jobs.pacing import TimedAssembler
from storyreel.jobs.sqlite import SqliteJobStore, default_store_path
from storyreel.jobs.store import JobStore
from storyreel.settings import Settings, load_settings

SHAPE = Shape("veo-3.1-fast-generate-001", "720p", 8)


def _settings(tmp_path: Path, store_url: str | None = None) -> Settings:
    jobs = {"store_url": store_url} if store_url else {}
    return load_settings(
        {"output_dir": str(tmp_path), "jobs": jobs}, config_file=None, env={}, dotenv=None
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Settings, JobStore]]:
    """Settings and their job store: the output folder's file, or a PostgreSQL database."""
    store: JobStore
    if request.param == "sqlite":
        settings = _settings(tmp_path)
        store = SqliteJobStore.in_output_dir(tmp_path)
    else:
        from storyreel.db_schema import upgrade
        from storyreel.jobs.postgres import PostgresJobStore

        url: str = request.getfixturevalue("postgres_url")
        upgrade(url)
        settings = _settings(tmp_path, url)
        store = PostgresJobStore(url)
    yield settings, store
    store.close()


class Assembler:
    def assemble(self, plan: ReelPlan, dest: Path) -> ReelResult:
        return ReelResult(dest, 12.0, ())

    def check_music(self, path: Path) -> float:
        return 3.0


def test_nothing_is_recorded_without_a_job_store(tmp_path: Path) -> None:
    log = ActivityLog.in_output_dir(tmp_path)
    log.called("video_poll", "veo", None)
    log.submitted("op-1", SHAPE)
    log.close()
    assert list(tmp_path.iterdir()) == []  # a one-off command leaves the folder as it was


def test_figures_count_jobs_clips_calls_and_operations(
    tmp_path: Path, backend: tuple[Settings, JobStore]
) -> None:
    settings, store = backend
    job = JobRecord(
        id="j1",
        input=JobInput(story=make_story(3)),
        out_dir=str(tmp_path / "j1"),
        status=JobStatus.PARTIAL,
        estimated_cost_usd=1.25,
    )
    clips = [
        StepRecord(
            key="clip-01", kind=StepKind.CLIP, index=1, status=StepStatus.SUCCEEDED, submissions=1
        ),
        StepRecord(
            key="clip-02", kind=StepKind.CLIP, index=2, status=StepStatus.SUCCEEDED, submissions=2
        ),
        StepRecord(
            key="clip-03", kind=StepKind.CLIP, index=3, status=StepStatus.FAILED, submissions=1
        ),
    ]
    store.create(job, clips)
    log = ActivityLog.of_settings(settings)
    log.submitted("op-1", SHAPE, at=100.0)
    log.found("op-1", pending_s=40.0, done_s=44.0)
    log.collected("op-1", polls=3, outcome="succeeded")
    log.submitted("op-2", SHAPE, at=100.0)
    log.collected("op-2", polls=2, outcome="failed")
    log.called("video_poll", "veo", None)
    log.called("video_poll", "veo", "http_503")
    log.called("openrouter", "m", None)
    log.waited("video_submit", "veo", 1.5)
    log.waited("video_submit", "veo", 0.5)
    timed = TimedAssembler(Assembler(), log)
    assert timed.check_music(tmp_path) == 3.0
    assert timed.assemble(None, tmp_path / "reel.mp4").duration_s == 12.0  # type: ignore[arg-type]

    figures = gather(store, log, settings)
    log.close()

    assert figures.jobs["partial"] == 1
    assert figures.clips == {"submitted": 4, "succeeded": 2, "failed": 1, "repaid": 1}
    assert figures.provider_calls == [
        ("google", "video_poll", "", 1),
        ("google", "video_poll", "http_503", 1),
        ("openrouter", "openrouter", "", 1),
    ]
    assert figures.quota_waits == [("video_submit", 2, 2.0)]
    assert figures.operation_s == {SHAPE.model: [44.0]}
    assert sorted(figures.polls) == [2, 3]
    (assembly,) = figures.assembly_s
    assert assembly >= 0
    assert figures.estimated_spend_usd == 1.25
    (learned,) = figures.learned
    assert (learned.shape, learned.expected_s, learned.samples) == (SHAPE, 42.0, 1)
    data = figures.to_json()
    assert data["provider_calls"]["google"]["video_poll"] == {
        "calls": 2,
        "errors": {"http_503": 1},
    }

    # Read only, the same figures (the store of a folder this process cannot write).
    again = folder_figures(settings)
    assert again.to_json() == data
    # The SQLite file is the store only when no database is named.
    assert default_store_path(tmp_path).is_file() is (settings.jobs.store_url is None)


def test_figures_of_a_folder_without_a_store_are_zero(tmp_path: Path) -> None:
    figures = folder_figures(_settings(tmp_path))
    assert sum(figures.jobs.values()) == 0
    assert figures.clips == {"submitted": 0, "succeeded": 0, "failed": 0, "repaid": 0}
    assert list(tmp_path.iterdir()) == []
