"""Consistent characters end to end: `storyreel make` draws the sheets and keyframes, each clip
starts from its keyframe, and `storyreel keyframes` lists them (real SDKs, the emulator)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_support import run_cli, storyreel_env, use_env
from PIL import Image
from typer.testing import CliRunner

from emulator_control import EmulatorControl
from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.settings import Settings, load_settings
from storyreel.testing.samples import frame_difference, two_character_story, video_frames

STORY = two_character_story()
# Mean absolute difference per channel (0-255) between a clip's first frame and a keyframe
# scaled to the clip's size. Measured on emulator runs: 2.3-2.8 against its own keyframe
# (H.264 and the scaling are all that differ) and 44-53 against another segment's (another
# scene). A bound of 10 is four times the codec's error and a fifth of the nearest other scene.
SAME_FRAME_MAD = 10.0


@pytest.fixture
def control(emulator: Any) -> Iterator[EmulatorControl]:
    opened = EmulatorControl(emulator)
    opened.reset()
    yield opened
    opened.reset()
    opened.close()


def frames_settings(output_dir: Path, emulator: Any, **video: Any) -> Settings:
    return load_settings(
        {
            "backend": "offline",
            "output_dir": str(output_dir),
            "emulator": {"url": emulator.url},
            "video": {"poll_initial_s": 0.05, "poll_max_s": 0.2, "duration_seconds": 4, **video},
            "narration": {"enabled": False},
            "reel": {"enabled": False},
        },
        config_file=None,
        env={},
        dotenv=None,
    )


def invoke(settings: Settings, *args: str) -> Any:
    cli_app._register()
    return CliRunner().invoke(cli_app.app, list(args), obj=CliState(_settings=settings))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def first_frame(clip: Path) -> Image.Image:
    return video_frames(clip)[0]


def difference(frame: Image.Image, keyframe: Path) -> float:
    with Image.open(keyframe) as image:
        return frame_difference(frame, image)


def make_story_job(settings: Settings, tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    story = tmp_path / "story.json"
    story.write_text(json.dumps(STORY))
    result = invoke(settings, "make", "--story", str(story), "--yes", "--json", *args)
    return result, json.loads(result.stdout) if result.exit_code in (0, 3) else {}


def test_each_clip_starts_from_its_keyframe_drawn_from_its_characters_sheets(
    tmp_output: Path, tmp_path: Path, emulator: Any, control: EmulatorControl
) -> None:
    settings = frames_settings(tmp_output, emulator)

    result, manifest = make_story_job(settings, tmp_path)

    assert result.exit_code == 0, result.output
    folder = tmp_output / manifest["job_id"]
    sheets = {s["character"]: sha(folder / s["path"]) for s in manifest["sheets"]}
    keyframes = {k["index"]: folder / k["path"] for k in manifest["keyframes"]}
    assert sorted(sheets) == ["Mara", "Tom Reyes"]
    assert sorted(keyframes) == [1, 2, 3]
    images = control.image_requests()
    sheet_calls = [r for r in images if r["prompt"].startswith("Character reference sheet")]
    assert len(sheet_calls) == 2
    assert all(r["inputs"] == [] for r in sheet_calls)
    # What the emulator received with each keyframe: the sheets of exactly its characters.
    named = {1: ["Mara"], 2: ["Tom Reyes"], 3: ["Mara", "Tom Reyes"]}
    for index, names in named.items():
        prompt = STORY["segments"][index - 1]["visual_prompt"]  # type: ignore[index]
        calls = [r for r in images if r["prompt"].startswith(prompt[:30])]
        assert [r["inputs"] for r in calls] == [[sheets[name] for name in names]]
    thumbnail = [r for r in images if r["prompt"].startswith("A striking thumbnail")]
    assert [r["inputs"] for r in thumbnail] == [[sheets["Mara"], sheets["Tom Reyes"]]]
    assert len(images) == 6
    # Veo was given each clip's own keyframe as its first frame, and no last frame.
    sent = {frame["image"] for frame in control.veo_frames()}
    assert sent == {sha(path) for path in keyframes.values()}
    assert all(frame["last_frame"] is None for frame in control.veo_frames())
    # And the clips show it: each first frame is its keyframe, and not another segment's.
    for clip in manifest["clips"]:
        start = first_frame(folder / clip["path"])
        own = difference(start, keyframes[clip["index"]])
        others = [difference(start, k) for n, k in keyframes.items() if n != clip["index"]]
        assert own < SAME_FRAME_MAD < min(others), (clip["index"], own, others)

    listed = invoke(settings, "keyframes", manifest["job_id"], "--json")

    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.stdout)
    assert document["sheets"] == manifest["sheets"]
    assert document["keyframes"] == manifest["keyframes"]
    table = invoke(settings, "keyframes", manifest["job_id"])
    assert "keyframes/segment-03.png" in table.stdout
    assert "sheet of Tom Reyes" in table.stdout


def test_chain_frames_send_the_next_keyframe_as_the_last_frame(
    tmp_output: Path, tmp_path: Path, emulator: Any, control: EmulatorControl
) -> None:
    settings = frames_settings(tmp_output, emulator, chain_frames=True)

    result, manifest = make_story_job(settings, tmp_path)

    assert result.exit_code == 0, result.output
    folder = tmp_output / manifest["job_id"]
    keyframe = {k["index"]: sha(folder / k["path"]) for k in manifest["keyframes"]}
    pairs = {(f["image"], f["last_frame"]) for f in control.veo_frames()}
    assert pairs == {(keyframe[1], keyframe[2]), (keyframe[2], keyframe[3]), (keyframe[3], None)}


def test_keyframes_off_is_text_to_video_with_only_the_thumbnail_drawn(
    tmp_output: Path, tmp_path: Path, emulator: Any, control: EmulatorControl
) -> None:
    settings = frames_settings(tmp_output, emulator, keyframes=False)

    result, manifest = make_story_job(settings, tmp_path)

    assert result.exit_code == 0, result.output
    assert [r["inputs"] for r in control.image_requests()] == [[]]
    assert [f["image"] for f in control.veo_frames()] == [None, None, None]
    assert (manifest["sheets"], manifest["keyframes"]) == ([], [])
    folder = tmp_output / manifest["job_id"]
    assert not (folder / "keyframes").exists()
    assert not (folder / "sheets").exists()


def test_a_reference_image_replaces_the_drawn_sheet(
    tmp_output: Path, tmp_path: Path, emulator: Any, control: EmulatorControl
) -> None:
    settings = frames_settings(tmp_output, emulator)
    Image.new("RGB", (48, 64), "orange").save(tmp_path / "mara.jpg", format="JPEG")
    cast = [{**STORY["characters"][0], "image": "mara.jpg"}]  # type: ignore[index]
    (tmp_path / "cast.json").write_text(json.dumps(cast))

    result = invoke(
        settings, "make", "Mara keeps the light", "--segments", "2", "--characters",
        str(tmp_path / "cast.json"), "--yes", "--json",
    )  # fmt: skip

    assert result.exit_code == 0, result.output
    manifest = json.loads(result.stdout)
    folder = tmp_output / manifest["job_id"]
    mara = next(s for s in manifest["sheets"] if s["character"] == "Mara")
    assert (mara["source"], mara["path"]) == ("reference", "sheets/mara.jpg")
    assert (folder / "sheets/mara.jpg").read_bytes() == (tmp_path / "mara.jpg").read_bytes()
    prompts = [r["prompt"] for r in control.image_requests()]
    assert not any(p.startswith("Character reference sheet of Mara") for p in prompts)
    drawn = [s for s in manifest["sheets"] if s["source"] == "drawn"]
    assert len(prompts) == 1 + len(manifest["keyframes"]) + len(drawn)


@pytest.mark.parametrize(
    ("make_image", "says"),
    [
        (lambda p: p.write_text("a character, honestly"), "is not an image"),
        (lambda p: p.write_bytes(b"\x89PNG" + b"\0" * 7_000_000), "at most 7.0 MB"),
        (lambda p: None, "cannot read"),
    ],
    ids=["not-an-image", "too-large", "unreadable"],
)
def test_a_bad_reference_image_is_refused_before_anything_is_paid(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_output: Path,
    tmp_path: Path,
    emulator: Any,
    control: EmulatorControl,
    make_image: Any,
    says: str,
) -> None:
    use_env(monkeypatch, storyreel_env(tmp_output, emulator_url=emulator.url), cwd=tmp_path)
    make_image(tmp_path / "mara.png")
    cast = [{**STORY["characters"][0], "image": "mara.png"}]  # type: ignore[index]
    (tmp_path / "cast.json").write_text(json.dumps(cast))

    code, _, err = run_cli(
        capsys, "make", "Mara keeps the light", "--characters", str(tmp_path / "cast.json"),
        "--yes",
    )  # fmt: skip

    assert code == 2
    assert err.startswith("error: "), err
    assert err.count("\n") == 1, err
    assert "the reference image of Mara" in err
    assert says in err
    assert str(tmp_path / "mara.png") in err
    stats = control.stats()
    assert stats["video_submissions"] == 0
    assert control.image_requests() == []
    # Not even the story was written: nothing at all was asked of either provider.
    assert not any(stats["requests"].values()), stats["requests"]
