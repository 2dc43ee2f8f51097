"""`storyreel video` and `storyreel thumbnail`, offline against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.errors import InputError
from storyreel.settings import Settings, load_settings


@pytest.fixture
def settings(offline_settings: Settings, emulator: Any) -> Settings:
    data = offline_settings.model_dump(mode="json")
    data["emulator"]["url"] = emulator.url
    return load_settings(data, env={}, dotenv=None)


def invoke(settings: Settings, *args: str) -> Any:
    cli_app._register()
    runner = CliRunner()
    return runner.invoke(cli_app.app, list(args), obj=CliState(_settings=settings))


def test_video_json_describes_a_playable_clip(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "fox.mp4"

    result = invoke(settings, "video", "a red fox", "--out", str(out), "--duration", "4", "--json")

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) >= {"path", "operation", "bytes", "duration_seconds"}
    assert doc["path"] == str(out)
    assert doc["bytes"] == out.stat().st_size
    assert doc["operation"]
    assert doc["duration_seconds"] == pytest.approx(4, abs=0.5)
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.name == "h264"


def test_video_default_path_is_in_the_output_dir(settings: Settings) -> None:
    result = invoke(settings, "video", "a red fox", "--duration", "4", "--aspect-ratio", "16:9")

    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path.parent == settings.output_dir
    assert path.name.startswith("video-")
    assert path.suffix == ".mp4"
    assert path.exists()


def test_video_operation_collects_an_earlier_submit_without_paying_again(
    settings: Settings, emulator: Any, tmp_path: Path
) -> None:
    import httpx2

    first = invoke(
        settings, "video", "a red fox", "--duration", "4", "--out", str(tmp_path / "a.mp4")
    )
    assert first.exit_code == 0, first.output
    # The name is printed on stderr as soon as Google accepts the clip.
    printed = [line for line in first.stderr.splitlines() if line.startswith("submitted as ")]
    assert len(printed) == 1
    operation = printed[0].removeprefix("submitted as ")
    before = httpx2.get(f"{emulator.url}/_emulator/stats").json()["video_submissions"]

    again = invoke(
        settings,
        "video",
        "a red fox",
        "--duration",
        "4",
        "--operation",
        operation,
        "--out",
        str(tmp_path / "b.mp4"),
        "--json",
    )

    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["operation"] == operation
    assert (tmp_path / "b.mp4").read_bytes() == (tmp_path / "a.mp4").read_bytes()
    assert httpx2.get(f"{emulator.url}/_emulator/stats").json()["video_submissions"] == before


def test_video_bad_duration_is_an_input_error(settings: Settings) -> None:
    result = invoke(settings, "video", "a red fox", "--duration", "5")

    assert isinstance(result.exception, InputError)
    assert "4, 6 or 8" in str(result.exception)
    assert list(settings.output_dir.iterdir()) == []


def test_thumbnail_json_describes_the_png(settings: Settings) -> None:
    result = invoke(settings, "thumbnail", "a fox at dawn", "--aspect-ratio", "16:9", "--json")

    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"path", "mime_type", "width", "height"}
    path = Path(doc["path"])
    assert path.parent == settings.output_dir
    assert path.name.startswith("thumbnail-")
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.size == (doc["width"], doc["height"])
    assert doc["width"] > doc["height"]


def test_thumbnail_out_prints_the_path(settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "cover.png"

    result = invoke(settings, "thumbnail", "a fox", "--out", str(out))

    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert out.read_bytes().startswith(b"\x89PNG")
