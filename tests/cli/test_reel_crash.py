"""A `storyreel make` process killed (SIGKILL) while reading narrations or assembling the reel,
then resumed: nothing paid is asked for again, and the reel appears."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import av
import httpx2
import pytest
from cli_support import (
    emulator_stats,
    run_storyreel,
    start_storyreel,
    storyreel_env,
    wait_for_steps,
)

from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.jobs.models import StepKind, StepRecord, StepStatus

pytestmark = pytest.mark.slow

SEGMENTS = 3


@pytest.fixture
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(EmulatorOptions(video_latency_s=0.5)) as running:
        yield running


def environment(server: EmulatorServer, output_dir: Path) -> dict[str, str]:
    return storyreel_env(output_dir, emulator_url=server.url, poll_initial_s=0.1, poll_max_s=0.3)


def narrations() -> list[str]:
    return [f"Night {i}: the keeper calls, and the storm answers her." for i in range(1, 4)]


def write_story(folder: Path) -> Path:
    path = folder / "story.json"
    segments = [
        {
            "index": i,
            "narration": text,
            "visual_prompt": f"A lighthouse in a storm at night, shot {i}.",
            "duration_seconds": 4,
        }
        for i, text in enumerate(narrations(), start=1)
    ]
    story = {"title": "The Keeper", "logline": "A keeper talks to a storm.", "segments": segments}
    path.write_text(json.dumps(story), encoding="utf-8")
    return path


def start_make(server: EmulatorServer, tmp_path: Path) -> tuple[subprocess.Popen[str], Path]:
    output_dir = tmp_path / "output"
    story = write_story(tmp_path)
    process = start_storyreel(
        tmp_path,
        "make",
        "--story",
        str(story),
        "--yes",
        "--json",
        env=environment(server, output_dir),
    )
    return process, output_dir


def wait_for(
    store_path: Path,
    process: subprocess.Popen[str],
    seen: Callable[[list[StepRecord]], bool],
) -> tuple[str, list[StepRecord]]:
    """The job id and its steps, once ``seen(steps)`` holds."""
    return wait_for_steps(store_path, process, seen, interval_s=0.02)


def kill(process: subprocess.Popen[str]) -> None:
    process.kill()
    process.communicate(timeout=10)


def resume(server: EmulatorServer, tmp_path: Path, job_id: str) -> dict[str, Any]:
    done = run_storyreel(
        tmp_path,
        "resume",
        job_id,
        "--yes",
        "--json",
        env=environment(server, tmp_path / "output"),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    manifest: dict[str, Any] = json.loads(done.stdout)
    return manifest


def read_texts(server: EmulatorServer) -> list[str]:
    """The text of every narration the emulator read aloud (billed)."""
    return [
        entry["text"] or ""
        for entry in emulator_stats(server)["speech_requests"]
        if entry["status"] == 200
    ]


def assert_playable_reel(folder: Path) -> None:
    with av.open(str(folder / "reel.mp4")) as container:
        assert (len(container.streams.video), len(container.streams.audio)) == (1, 1)
        frames = sum(1 for _ in container.decode(video=0))
    assert frames >= 12 * 24 - 1


def test_make_killed_while_reading_narrations_never_reads_a_finished_one_again(
    server: EmulatorServer, tmp_path: Path
) -> None:
    # The first narration asked for is answered only after 15 s: the others finish first.
    rule = {
        "route": "generateContent",
        "kind": "delay",
        "delay_s": 15.0,
        "match": "speechConfig",
        "times": 1,
    }
    httpx2.post(server.url + "/_emulator/faults", json=[rule], timeout=10).raise_for_status()
    process, output_dir = start_make(server, tmp_path)

    def some_read(steps: list[StepRecord]) -> bool:
        voices = [s for s in steps if s.kind is StepKind.VOICE]
        done = [s for s in voices if s.status is StepStatus.SUCCEEDED]
        # Clips collected first: a submit in flight at the kill would be the SIGKILL window
        # (possibly billed, sent again), which is not what this test is about.
        clips = [s for s in steps if s.kind is StepKind.CLIP]
        filmed = all(s.status is StepStatus.SUCCEEDED for s in clips)
        return len(voices) == SEGMENTS and len(done) == SEGMENTS - 1 and filmed

    job_id, steps = wait_for(output_dir / "storyreel-jobs.sqlite3", process, some_read)
    kill(process)
    finished = [
        narrations()[s.index - 1]
        for s in steps
        if s.kind is StepKind.VOICE and s.status is StepStatus.SUCCEEDED and s.index
    ]
    assert len(finished) == SEGMENTS - 1

    manifest = resume(server, tmp_path, job_id)

    assert manifest["status"] == "succeeded"
    texts = read_texts(server)
    for narration in finished:
        assert sum(narration in text for text in texts) == 1, (narration, texts)
    assert manifest["video_submissions"] == SEGMENTS
    assert emulator_stats(server)["video_submissions"] == SEGMENTS
    assert manifest["reel"]["narrated_segments"] == [1, 2, 3]
    assert_playable_reel(output_dir / job_id)


def test_make_killed_while_assembling_resumes_to_a_reel_without_paying_again(
    server: EmulatorServer, tmp_path: Path
) -> None:
    process, output_dir = start_make(server, tmp_path)

    def assembling(steps: list[StepRecord]) -> bool:
        reel = [s for s in steps if s.kind is StepKind.ASSEMBLE]
        return bool(reel) and reel[0].status is StepStatus.PENDING and reel[0].attempts == 1

    job_id, _ = wait_for(output_dir / "storyreel-jobs.sqlite3", process, assembling)
    kill(process)
    paid = emulator_stats(server)
    assert not (output_dir / job_id / "reel.mp4").exists()

    manifest = resume(server, tmp_path, job_id)

    assert manifest["status"] == "succeeded"
    after = emulator_stats(server)
    assert after["speech_calls"] == paid["speech_calls"] == SEGMENTS
    assert after["video_submissions"] == paid["video_submissions"] == SEGMENTS
    assert manifest["reel"]["path"] == "reel.mp4"
    assert_playable_reel(output_dir / job_id)
