"""After a job that did not succeed, `make` and `resume` print only the commands that would
help: `resume` while it would still do something, `reshoot` for a clip that failed for good."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import control, run_cli, storyreel_env, use_env

from storyreel.jobs.sqlite import SqliteJobStore


@pytest.fixture(autouse=True)
def offline(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_output: Path
) -> Iterator[Path]:
    env = storyreel_env(
        tmp_output,
        emulator_url=emulator.url,
        poll_initial_s=0.05,
        poll_max_s=0.2,
        video__duration_seconds=4,
    )
    use_env(monkeypatch, env, cwd=tmp_path)
    control(emulator, "/_emulator/reset", {})
    yield tmp_output
    control(emulator, "/_emulator/reset", {})


def only_job(folder: Path) -> str:
    store = SqliteJobStore.in_output_dir(folder)
    try:
        (job,) = store.list_jobs()
    finally:
        store.close()
    return job.id


def test_a_clip_that_failed_for_good_gets_reshoot_not_resume(
    capsys: pytest.CaptureFixture[str], emulator: Any, offline: Path
) -> None:
    failing = {"route": "fetchPredictOperation", "kind": "operation_error", "times": 1}
    control(emulator, "/_emulator/faults", [failing])

    code, out, err = run_cli(capsys, "make", "a kite festival", "--segments", "2")

    assert code == 3, err
    job_id = only_job(offline)
    failed = [line for line in out.splitlines() if line.startswith("Film segment")]
    assert len(failed) == 1
    index = int(failed[0].rsplit("--segment ", 1)[1])
    assert failed[0] == (
        f"Film segment {index:02d} again (paid): storyreel reshoot {job_id} --segment {index}"
    )
    assert "Finish it with" not in out
    assert f"Files are in {offline / job_id}" in out.splitlines()


def test_a_clip_still_at_google_gets_resume(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    emulator: Any,
    offline: Path,
) -> None:
    # Every poll fails until the clip's time is up: its operation stays recorded, and a
    # resume would collect it without paying again.
    monkeypatch.setenv("STORYREEL_VIDEO__TIMEOUT_S", "0.6")
    busy = {"route": "fetchPredictOperation", "kind": "status", "status": 500, "times": 1000}
    control(emulator, "/_emulator/faults", [busy])

    code, out, err = run_cli(capsys, "make", "a kite festival", "--segments", "1")

    assert code == 1, err
    job_id = only_job(offline)
    assert f"Finish it with: storyreel resume {job_id}" in out.splitlines()
    assert not [line for line in out.splitlines() if line.startswith("Film segment")]
