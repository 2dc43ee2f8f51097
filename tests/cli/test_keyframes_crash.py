"""A `storyreel make` process killed (SIGKILL) while its keyframes are being drawn, then
resumed: nothing drawn is drawn again, no clip is submitted twice (real SDKs, the emulator)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import run_storyreel, start_storyreel, storyreel_env, wait_for_steps
from test_keyframes_cmd import STORY

from emulator_control import EmulatorControl
from storyreel.emulator import EmulatorOptions, EmulatorServer
from storyreel.jobs.models import StepKind, StepRecord, StepStatus

# The third segment's keyframe: its request is held by the emulator until the process is gone.
LAST_SCENE = "share tea beside the great lamp"


@pytest.fixture
def control() -> Iterator[EmulatorControl]:
    with EmulatorServer(EmulatorOptions(video_latency_s=1.0)) as server:
        opened = EmulatorControl(server)
        yield opened
        opened.close()


def environment(control: EmulatorControl, output_dir: Path) -> dict[str, str]:
    return storyreel_env(
        output_dir,
        emulator_url=control.server.url,
        poll_initial_s=0.1,
        poll_max_s=0.3,
        video__duration_seconds=4,
        narration__enabled="false",
        reel__enabled="false",
    )


def last_keyframe_in_flight(steps: list[StepRecord]) -> bool:
    """Both sheets and the first two keyframes drawn, their clips sent, the third keyframe's
    request out (tried, not finished)."""
    by_key = {step.key: step for step in steps}
    done = [by_key.get(key) for key in ("sheet-mara", "sheet-tom-reyes")]
    done += [by_key.get(f"keyframe-0{n}") for n in (1, 2)]
    sent = [by_key.get(f"clip-0{n}") for n in (1, 2)]
    third = by_key.get("keyframe-03")
    return (
        all(step is not None and step.status is StepStatus.SUCCEEDED for step in done)
        and all(step is not None and step.operation for step in sent)
        and third is not None
        and third.attempts == 1
        and third.status is StepStatus.PENDING
    )


def test_make_killed_while_drawing_keyframes_resumes_without_drawing_or_paying_twice(
    control: EmulatorControl, tmp_path: Path
) -> None:
    control.faults(
        {"route": "generateContent", "kind": "delay", "delay_s": 30.0, "match": LAST_SCENE}
    )
    story = tmp_path / "story.json"
    story.write_text(json.dumps(STORY))
    output_dir = tmp_path / "output"
    env = environment(control, output_dir)
    process = start_storyreel(tmp_path, "make", "--story", str(story), "--yes", "--json", env=env)
    job_id, steps = wait_for_steps(
        output_dir / "storyreel-jobs.sqlite3",
        process,
        last_keyframe_in_flight,
        what="the third keyframe was never in flight with the others done",
        interval_s=0.02,
    )
    process.kill()
    process.communicate(timeout=10)
    drawn_before = len(control.image_requests())
    submitted_before = control.submissions(2)
    control.clear_faults()

    done = run_storyreel(tmp_path, "resume", job_id, "--yes", "--json", env=env)

    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)
    assert manifest["status"] == "succeeded"
    # Drawn again: only the keyframe whose answer the kill lost (and the thumbnail, if it
    # had not been made). Every sheet and keyframe that was made stays as it was.
    again = [r["prompt"] for r in control.image_requests()[drawn_before:]]
    assert not any(p.startswith("Character reference sheet") for p in again), again
    keyframes = [p for p in again if not p.startswith("A striking thumbnail")]
    assert len(keyframes) == 1, again
    assert LAST_SCENE in keyframes[0], again
    images = [s for s in steps if s.kind in (StepKind.SHEET, StepKind.KEYFRAME)]
    assert sum(s.status is StepStatus.SUCCEEDED for s in images) == 4
    # The two clips sent before the kill were collected, not sent again: three in all.
    assert submitted_before == 2
    assert control.submissions(3) == 3 == manifest["video_submissions"]
    frames = {f["image"] for f in control.veo_frames()}
    folder = output_dir / job_id
    assert len(frames) == 3
    assert all((folder / k["path"]).is_file() for k in manifest["keyframes"])
