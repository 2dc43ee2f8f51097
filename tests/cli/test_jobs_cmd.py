"""`storyreel make`, `jobs` and `resume` in-process against the emulator (real SDKs)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import pytest
from cli_support import control, run_cli, storyreel_argv, storyreel_env, use_env
from PIL import Image
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.jobs.models import JobStatus
from storyreel.jobs.prices import video_usd
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.settings import Settings, load_settings

IDEA = "a lighthouse keeper befriends a storm"


def submissions(server: Any) -> int:
    return int(control(server, "/_emulator/stats")["video_submissions"])


@pytest.fixture(autouse=True)
def fresh_emulator(emulator: Any) -> Iterator[None]:
    control(emulator, "/_emulator/reset", {})
    yield
    control(emulator, "/_emulator/reset", {})


def cli_settings(output_dir: Path, emulator: Any, **video: Any) -> Settings:
    # The job's mechanics are tested here, without narration, reel or keyframes (their own
    # tests are in test_reel_cmd.py and test_keyframes_cmd.py): assembling a reel is seconds
    # of encoding a test need not wait for.
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(output_dir),
            "emulator": {"url": emulator.url},
            "video": {
                "poll_initial_s": 0.05,
                "poll_max_s": 0.2,
                "duration_seconds": 4,
                "keyframes": False,
                **video,
            },
            "narration": {"enabled": False},
            "reel": {"enabled": False},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


@pytest.fixture
def settings(tmp_output: Path, emulator: Any) -> Settings:
    return cli_settings(tmp_output, emulator)


def invoke(settings: Settings, *args: str) -> Any:
    cli_app._register()
    return CliRunner().invoke(cli_app.app, list(args), obj=CliState(_settings=settings))


def make_json(settings: Settings, *args: str) -> tuple[Any, dict[str, Any]]:
    result = invoke(settings, "make", IDEA, "--yes", "--json", *args)
    return result, json.loads(result.stdout)


def test_make_four_segments_gives_playable_clips_thumbnail_and_manifest(
    settings: Settings, emulator: Any
) -> None:
    result, manifest = make_json(settings, "--segments", "4")

    assert result.exit_code == 0, result.output
    folder = settings.output_dir / manifest["job_id"]
    assert manifest["status"] == "succeeded"
    assert json.loads((folder / "manifest.json").read_text()) == manifest
    assert [c["index"] for c in manifest["clips"]] == [1, 2, 3, 4]
    assert sorted(p.name for p in (folder / "clips").iterdir()) == [
        f"segment-0{i}.mp4" for i in range(1, 5)
    ]
    for clip in manifest["clips"]:
        assert clip["path"] == f"clips/segment-{clip['index']:02d}.mp4"
        assert clip["operation"]
        with av.open(str(folder / clip["path"])) as video:
            stream = video.streams.video[0]
            assert stream.codec_context.name == "h264"
            assert float(video.duration / av.time_base) == pytest.approx(
                clip["duration_seconds"], abs=0.5
            )
    with Image.open(folder / manifest["thumbnail"]) as image:
        assert image.format == "PNG"
    story = json.loads((folder / "story.json").read_text())
    assert {"title", "logline", "characters", "segments"} <= set(story)
    assert len(story["segments"]) == 4
    assert manifest["video_submissions"] == submissions(emulator) == 4
    assert manifest["usage"]["prompt_tokens"] > 0
    price = video_usd(settings, 1)
    assert price is not None
    image = settings.google.price_per_image_usd
    assert manifest["estimated_cost_usd"] == pytest.approx(16 * price + image)


def test_make_human_output_ends_with_where_the_files_are(settings: Settings) -> None:
    result = invoke(settings, "make", IDEA, "--segments", "1", "--yes")

    assert result.exit_code == 0, result.output
    last = result.stdout.strip().splitlines()[-1]
    job = SqliteJobStore.in_output_dir(settings.output_dir).list_jobs()[0]
    assert last == f"Files are in {job.out_dir}"
    assert "offline: nothing is billed" in result.stderr
    assert f"job {job.id}" in result.stderr


def test_make_out_folder_is_used(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "my video"

    result, manifest = make_json(settings, "--segments", "1", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert (out / "clips" / "segment-01.mp4").exists()
    assert json.loads((out / "manifest.json").read_text())["job_id"] == manifest["job_id"]


def test_jobs_lists_id_status_created_at_and_idea(settings: Settings) -> None:
    _, manifest = make_json(settings, "--segments", "1")

    result = invoke(settings, "jobs", "--json")

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert len(listed) == 1
    assert set(listed[0]) == {"id", "status", "created_at", "idea"}
    assert listed[0]["id"] == manifest["job_id"]
    assert (listed[0]["status"], listed[0]["idea"]) == ("succeeded", IDEA)
    human = invoke(settings, "jobs")
    assert manifest["job_id"] in human.stdout


def test_resume_of_a_finished_job_submits_nothing(settings: Settings, emulator: Any) -> None:
    _, manifest = make_json(settings, "--segments", "2")

    result = invoke(settings, "resume", manifest["job_id"], "--json")

    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["status"] == "succeeded"
    assert again["clips"] == manifest["clips"]
    assert submissions(emulator) == 2


@pytest.mark.parametrize(
    ("route", "status"),
    [
        ("predictLongRunning", 429),
        ("predictLongRunning", 503),
        ("predictLongRunning", 500),
        ("fetchPredictOperation", 429),
        ("fetchPredictOperation", 500),
    ],
)
def test_make_retries_throttling_and_server_errors(
    settings: Settings, emulator: Any, route: str, status: int
) -> None:
    control(
        emulator,
        "/_emulator/faults",
        [{"route": route, "kind": "status", "status": status, "retry_after_s": 0, "times": 1}],
    )

    result, manifest = make_json(settings, "--segments", "2")

    assert result.exit_code == 0, result.output
    assert control(emulator, "/_emulator/faults")["faults"] == []  # the fault did happen
    assert manifest["status"] == "succeeded"
    # A 500 on submit may have been accepted: it is counted (and resubmitted) to be safe.
    expected = 3 if (route, status) == ("predictLongRunning", 500) else 2
    assert manifest["video_submissions"] == expected
    assert submissions(emulator) <= manifest["video_submissions"]


def test_make_safety_block_on_one_segment_is_partial_with_its_reason(
    settings: Settings, emulator: Any
) -> None:
    control(
        emulator,
        "/_emulator/faults",
        [{"route": "predictLongRunning", "kind": "safety_block", "times": 1}],
    )

    result, manifest = make_json(settings, "--segments", "3")

    assert result.exit_code == 3, result.output
    assert manifest["status"] == "partial"
    failed = [c for c in manifest["clips"] if c["status"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["path"] is None
    assert "safety" in failed[0]["error"].lower()
    assert [f["step"] for f in manifest["failures"]] == [f"clip-{failed[0]['index']:02d}"]
    folder = settings.output_dir / manifest["job_id"]
    assert len(list((folder / "clips").iterdir())) == 2


def test_make_dropped_submit_is_accounted_for(settings: Settings, emulator: Any) -> None:
    control(
        emulator,
        "/_emulator/faults",
        [{"route": "predictLongRunning", "kind": "drop_after_accept", "times": 1}],
    )

    result, manifest = make_json(settings, "--segments", "2")

    assert result.exit_code == 0, result.output
    assert manifest["status"] == "succeeded"
    assert manifest["video_submissions"] == submissions(emulator) == 3


def test_make_dropped_submit_not_resubmitted_when_configured(
    tmp_output: Path, emulator: Any
) -> None:
    settings = cli_settings(tmp_output, emulator, resubmit_on_unknown=False)
    control(
        emulator,
        "/_emulator/faults",
        [{"route": "predictLongRunning", "kind": "drop_after_accept", "times": 1}],
    )

    result, manifest = make_json(settings, "--segments", "2")

    assert result.exit_code == 3, result.output
    assert [c["status"] for c in manifest["clips"]].count("unknown") == 1
    assert manifest["video_submissions"] == submissions(emulator) == 2


def test_make_operation_error_is_partial(settings: Settings, emulator: Any) -> None:
    control(
        emulator,
        "/_emulator/faults",
        [{"route": "fetchPredictOperation", "kind": "operation_error", "times": 1}],
    )

    result, manifest = make_json(settings, "--segments", "2")

    assert result.exit_code == 3, result.output
    assert manifest["status"] == "partial"
    assert len(manifest["failures"]) == 1
    store = SqliteJobStore.in_output_dir(settings.output_dir)
    assert store.get(manifest["job_id"]).status is JobStatus.PARTIAL


# Bad input: each a one-line error from the real entry point (no traceback), nothing spent.


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tmp_output: Path, emulator: Any
) -> Path:
    use_env(monkeypatch, storyreel_env(tmp_output, emulator_url=emulator.url), cwd=tmp_path)
    return tmp_output


@pytest.mark.parametrize("count", ["0", "21"])
def test_make_segments_out_of_range_is_one_line(
    cli_env: Path, capsys: pytest.CaptureFixture[str], emulator: Any, count: str
) -> None:
    code, _, err = run_cli(capsys, "make", IDEA, "--segments", count, "--yes")

    assert code == 2
    assert err == f"error: segments must be a whole number from 1 to 20, got {count}\n"
    assert submissions(emulator) == 0


def test_make_unwritable_out_folder_is_one_line(
    cli_env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    code, _, err = run_cli(capsys, "make", IDEA, "--out", str(blocker / "out"), "--yes")

    assert code == 2
    assert err.startswith("error: cannot write to the output folder ")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_resume_unknown_job_is_one_line(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_cli(capsys, "resume", "no-such-job")

    assert code == 75
    assert err.startswith("error: no job 'no-such-job'")
    assert err.count("\n") == 1


def test_make_above_the_limit_without_a_terminal_refuses(
    cli_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    emulator: Any,
) -> None:
    monkeypatch.setenv("STORYREEL_VIDEO__CONFIRM_ABOVE_USD", "0.5")
    # Live (offline nothing is billed and nothing is asked), the providers being the emulator.
    monkeypatch.setenv("STORYREEL_BACKEND", "live")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-or-v1-TESTKEY-jobs-cmd-0123456789abcdef")
    monkeypatch.setenv("GOOGLE_STUDIO_API_KEY", "AQ.TESTKEY-jobs-cmd-google-0123456789")
    monkeypatch.setenv("OPENROUTER_BASE_URL", f"{emulator.url}/v1")
    monkeypatch.setenv("STORYREEL_GOOGLE__BASE_URL", f"{emulator.url}/")

    code, _, err = run_cli(capsys, "make", IDEA, "--segments", "2")

    assert code == 2
    # 16 s of veo-3.1-fast without audio ($0.10/s), the narration and 9 images at $0.039:
    # the thumbnail, 2 keyframes and as many sheets as the writer may list (6).
    assert "Estimated cost of the clips: $1.96 (16 s of veo-3.1-fast-generate-001" in err
    assert "9 images" in err
    assert err.splitlines()[-1].startswith("error: the estimated cost ($1.96")
    assert "--yes" in err
    assert submissions(emulator) == 0
    assert SqliteJobStore.in_output_dir(cli_env).list_jobs() == []


def test_jobs_shows_terminal_escapes_in_an_idea_escaped(settings: Settings) -> None:
    hostile = "kites \x1b]0;owned\x07 \x1b[2J \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"
    store = SqliteJobStore.in_output_dir(settings.output_dir)
    from storyreel.jobs.models import JobInput, JobRecord

    store.create(JobRecord(id="20261202-000000-abcdef", input=JobInput(idea=hostile), out_dir="/x"))
    store.close()

    human = invoke(settings, "jobs")

    assert human.exit_code == 0, human.output
    assert "\x1b]0" not in human.stdout
    assert "\x1b[2J" not in human.stdout
    assert "\x1b]8" not in human.stdout
    assert "\\x1b]0;owned" in human.stdout


def test_resume_fetches_deleted_and_emptied_clips_again_without_paying(
    settings: Settings, emulator: Any
) -> None:
    _, manifest = make_json(settings, "--segments", "3")
    folder = settings.output_dir / manifest["job_id"]
    paid = submissions(emulator)
    (folder / "clips" / "segment-01.mp4").unlink()
    (folder / "clips" / "segment-02.mp4").write_bytes(b"")
    (folder / "thumbnail.png").unlink()

    result = invoke(settings, "resume", manifest["job_id"], "--json")

    assert result.exit_code == 0, result.output
    resumed = json.loads(result.stdout)
    assert resumed["status"] == "succeeded"
    for name in ("segment-01.mp4", "segment-02.mp4"):
        with av.open(str(folder / "clips" / name)) as container:
            assert container.streams.video[0].frames > 0 or container.duration
    assert Image.open(folder / "thumbnail.png").format == "PNG"
    assert submissions(emulator) == paid  # collected again, not submitted again


def test_resume_reports_a_clip_that_cannot_be_fetched_again(
    settings: Settings, emulator: Any
) -> None:
    _, manifest = make_json(settings, "--segments", "1")
    folder = settings.output_dir / manifest["job_id"]
    control(emulator, "/_emulator/reset", {})  # Google no longer has the operation
    (folder / "clips" / "segment-01.mp4").unlink()

    result = invoke(settings, "resume", manifest["job_id"], "--json")

    resumed = json.loads(result.stdout)
    assert resumed["status"] != "succeeded"
    assert result.exit_code != 0
    assert submissions(emulator) == 0


def test_jobs_lists_a_folder_it_cannot_write(settings: Settings) -> None:
    _, manifest = make_json(settings, "--segments", "1")
    folder = Path(settings.output_dir)
    command = storyreel_argv("jobs", "--json")
    env = {**os.environ, "STORYREEL_OUTPUT_DIR": str(folder), "STORYREEL_BACKEND": "offline"}
    if os.geteuid() != 0:
        for path in [folder, *folder.rglob("*")]:
            path.chmod(path.stat().st_mode & ~0o222)
    elif shutil.which("unshare"):
        # root writes anywhere; a private read-only bind mount takes that away.
        script = (
            'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && '
            '! touch "$0/probe" 2>/dev/null && exec "$@"'
        )
        command = ["unshare", "-rm", "sh", "-c", script, str(folder), *command]
    else:
        pytest.skip("as root this needs unshare (util-linux) to make a read-only folder")
    before = sorted(p.name for p in folder.iterdir())

    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)

    if done.returncode and "unshare" in done.stderr:
        pytest.skip(f"no private mount namespace here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    listed = json.loads(done.stdout)
    assert [(job["id"], job["status"]) for job in listed] == [(manifest["job_id"], "succeeded")]
    assert sorted(p.name for p in folder.iterdir()) == before
