"""`storyreel make --story FILE`, a cancelled job's exit status, and a resume with nothing to
do — run as a user types them (the console script, against the emulator)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import (
    control,
    emulator_stats,
    run_storyreel,
    start_storyreel,
    storyreel_env,
    wait_for_steps,
)

from storyreel.jobs.models import JobStatus, StepKind, StepRecord, StepStatus
from storyreel.jobs.sqlite import SqliteJobStore

IDEA = "a paper kite over the harbour"


@pytest.fixture(autouse=True)
def fresh_emulator(emulator: Any) -> Iterator[None]:
    control(emulator, "/_emulator/reset", {})
    yield
    control(emulator, "/_emulator/config", {"video_latency_s": 0.3})
    control(emulator, "/_emulator/reset", {})


@pytest.fixture
def env(emulator: Any, tmp_path: Path) -> dict[str, str]:
    return storyreel_env(
        tmp_path / "output", emulator_url=emulator.url, poll_initial_s=0.05, poll_max_s=0.2
    )


def storyreel(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_storyreel(cwd, *args, env=env, timeout=120)


def test_make_story_films_the_story_that_story_json_printed(
    env: dict[str, str], tmp_path: Path, emulator: Any
) -> None:
    written = storyreel(env, tmp_path, "story", IDEA, "--segments", "2", "--json")
    assert written.returncode == 0, written.stderr
    story = json.loads(written.stdout)
    story["segments"][1]["narration"] = "Edited: the kite lands on the lighthouse."
    (tmp_path / "kite.json").write_text(json.dumps(story), encoding="utf-8")
    assert emulator_stats(emulator)["requests"]["chat.completions"] == 1

    made = storyreel(env, tmp_path, "make", "--story", "kite.json", "--yes", "--json")

    assert made.returncode == 0, made.stderr
    manifest = json.loads(made.stdout)
    assert manifest["status"] == "succeeded"
    assert manifest["title"] == story["title"]
    assert len(manifest["clips"]) == 2
    folder = tmp_path / "output" / manifest["job_id"]
    saved = json.loads((folder / "story.json").read_text(encoding="utf-8"))
    assert saved["segments"][1]["narration"] == "Edited: the kite lands on the lighthouse."
    after = emulator_stats(emulator)
    assert after["requests"]["chat.completions"] == 1  # no LLM call for the story
    assert after["video_submissions"] == 2  # one per segment


@pytest.mark.parametrize(
    ("args", "content", "expected"),
    [
        (["--story", "none.json"], None, "story file none.json does not exist"),
        (["--story", "bad.json"], "{", "story file bad.json is not JSON"),
        (["--story", "bad.json"], "[]", "story file bad.json: expected a JSON object"),
        (
            ["--story", "bad.json"],
            {"title": "t", "logline": "l", "segments": [{"index": 1, "narration": "n"}]},
            "story file bad.json: segments.0.visual_prompt: Field required",
        ),
        (
            ["--story", "bad.json"],
            {"title": "t", "logline": "l", "segments": [], "usage": {}},
            "story file bad.json: segments: List should have at least 1 item",
        ),
        (["an idea", "--story", "bad.json"], {}, "give an IDEA or --story FILE, not both"),
        ([], None, "give an IDEA to write a story from, or --story FILE to film one"),
        (["--story", "bad.json", "--segments", "3"], {}, "--segments shape a story still"),
    ],
)
def test_make_story_refusals_are_one_line_and_submit_nothing(
    env: dict[str, str],
    tmp_path: Path,
    emulator: Any,
    args: list[str],
    content: Any,
    expected: str,
) -> None:
    if content is not None:
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp_path / "bad.json").write_text(text, encoding="utf-8")

    result = storyreel(env, tmp_path, "make", *args, "--yes")

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("error: "), line
    assert expected in line, line
    assert result.stdout == ""
    assert not (tmp_path / "output").exists()
    assert emulator_stats(emulator)["video_submissions"] == 0


def test_resume_of_a_succeeded_job_says_so_in_one_line_and_does_nothing(
    env: dict[str, str], tmp_path: Path, emulator: Any
) -> None:
    made = storyreel(env, tmp_path, "make", IDEA, "--segments", "1", "--yes", "--json")
    assert made.returncode == 0, made.stderr
    job_id = json.loads(made.stdout)["job_id"]
    before = emulator_stats(emulator)

    result = storyreel(env, tmp_path, "resume", job_id)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"job {job_id} has already succeeded; there is nothing to resume "
        f"(files in {tmp_path / 'output' / job_id})"
    ]
    assert result.stderr == ""
    after = emulator_stats(emulator)
    assert after["video_submissions"] == before["video_submissions"] == 1
    assert after["requests"] == before["requests"]


def wait_for_submitted(store_path: Path, clips: int, process: subprocess.Popen[str]) -> str:
    def submitted(steps: list[StepRecord]) -> bool:
        made = [s for s in steps if s.kind is StepKind.CLIP]
        return len(made) == clips and all(s.operation for s in made)

    job_id, _ = wait_for_steps(
        store_path, process, submitted, what="the clips were never all submitted"
    )
    return job_id


def test_make_cancelled_exits_4_and_resume_finishes_it_without_paying_again(
    env: dict[str, str], tmp_path: Path, emulator: Any
) -> None:
    # Long enough for the cancel to land while both clips are being made, short enough that
    # the resume (which polls the same operations) does not wait long for them.
    control(emulator, "/_emulator/config", {"video_latency_s": 6})
    process = start_storyreel(tmp_path, "make", IDEA, "-n", "2", "--yes", "--json", env=env)
    store_path = tmp_path / "output" / "storyreel-jobs.sqlite3"
    try:
        job_id = wait_for_submitted(store_path, 2, process)
        store = SqliteJobStore(store_path)
        store.update(job_id, cancel_requested=True)  # what DELETE /v1/jobs/{id} does
        store.close()
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()

    assert process.returncode == 4, stderr
    manifest = json.loads(stdout)
    assert manifest["status"] == "cancelled"
    assert {"step": "job", "index": None, "reason": "cancelled"} in manifest["failures"]
    store = SqliteJobStore(store_path)
    try:
        assert store.get(job_id).status is JobStatus.CANCELLED
        assert [s.status for s in store.steps(job_id) if s.kind is StepKind.CLIP] == [
            StepStatus.SUBMITTED
        ] * 2
    finally:
        store.close()

    control(emulator, "/_emulator/config", {"video_latency_s": 0.3})
    resumed = storyreel(env, tmp_path, "resume", job_id, "--yes", "--json")

    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["status"] == "succeeded"
    assert emulator_stats(emulator)["video_submissions"] == 2
