"""After a job that did not succeed, `make` and `resume` print only the commands that would
help: `resume` while it would still do something, `reshoot` for a clip that failed for good."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from storyreel.cli import app as cli_app
from storyreel.jobs.sqlite import SqliteJobStore


def control(server: Any, path: str, body: Any = None) -> Any:
    with httpx2.Client(base_url=server.url, timeout=10) as http:
        response = http.post(path, json=body) if body is not None else http.get(path)
    response.raise_for_status()
    return response.json()


@pytest.fixture(autouse=True)
def offline(
    emulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_output: Path
) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    for name in ("STORYREEL_CONFIG", "OPENAI_API_KEY", "GOOGLE_STUDIO_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("STORYREEL_BACKEND", "offline")
    monkeypatch.setenv("STORYREEL_OUTPUT_DIR", str(tmp_output))
    monkeypatch.setenv("STORYREEL_EMULATOR__URL", emulator.url)
    monkeypatch.setenv("STORYREEL_VIDEO__DURATION_SECONDS", "4")
    monkeypatch.setenv("STORYREEL_VIDEO__POLL_INITIAL_S", "0.05")
    monkeypatch.setenv("STORYREEL_VIDEO__POLL_MAX_S", "0.2")
    control(emulator, "/_emulator/reset", {})
    yield tmp_output
    control(emulator, "/_emulator/reset", {})


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        cli_app.run(list(args))
    code = exited.value.code
    out, err = capsys.readouterr()
    return int(code if isinstance(code, int) else 1), out, err


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
