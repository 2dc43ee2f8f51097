"""`storyreel video --operation` (shape checked first, no PROMPT needed) and `storyreel
thumbnail --out` (the extension names the format), offline against the emulator."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
from PIL import Image

from storyreel.cli.app import run
from storyreel.emulator import EmulatorServer
from storyreel.settings import Settings


@dataclass
class Typed:
    """What a command printed and how it ended."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture
def settings(
    offline_settings: Settings,
    emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> Settings:
    """The shared emulator, quick polling, and the same settings in the environment, for
    commands run as the console script runs them."""
    monkeypatch.chdir(tmp_path)  # no ./config.yml, no .env
    for name in [n for n in os.environ if n.startswith("STORYREEL_")]:
        monkeypatch.delenv(name)
    environment = {
        "STORYREEL_BACKEND": "offline",
        "STORYREEL_OUTPUT_DIR": str(offline_settings.output_dir),
        "STORYREEL_EMULATOR__URL": emulator.url,
        "STORYREEL_VIDEO__POLL_INITIAL_S": "0.05",
        "STORYREEL_VIDEO__POLL_MAX_S": "0.2",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return offline_settings


@pytest.fixture
def invoke(capsys: pytest.CaptureFixture[str]) -> Callable[..., Typed]:
    def call(*argv: str) -> Typed:
        with pytest.raises(SystemExit) as done:
            run(list(argv))
        out, err = capsys.readouterr()
        code = done.value.code
        return Typed(code if isinstance(code, int) else 0, out, err)

    return call


def requests_seen(emulator: EmulatorServer) -> int:
    stats = httpx2.get(f"{emulator.url}/_emulator/stats").json()
    return sum(stats["requests"].values())


@pytest.mark.parametrize(
    "name",
    [
        "bogus",
        "operations/123",
        "publishers/google/models/veo/operations/",
        "projects/p/locations/l/publishers/google/models/veo/operations/a b",
    ],
)
def test_video_bad_operation_name_is_refused_before_any_call(
    settings: Settings, emulator: EmulatorServer, invoke: Callable[..., Typed], name: str
) -> None:
    before = requests_seen(emulator)

    result = invoke("video", "--operation", name)

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: {name!r} is not a Veo operation name: one looks like ")
    assert "projects/PROJECT/locations/LOCATION/publishers/google/models/MODEL/operations/ID" in (
        result.stderr
    )
    assert requests_seen(emulator) == before
    assert list(settings.output_dir.iterdir()) == []


def test_video_without_prompt_or_operation_says_what_it_needs(
    settings: Settings, invoke: Callable[..., Typed]
) -> None:
    result = invoke("video")

    assert result.exit_code == 2
    assert result.stderr == (
        "error: storyreel video needs a PROMPT, or --operation NAME to collect a clip "
        "submitted earlier\n"
    )


def test_video_operation_alone_collects_an_earlier_clip_without_paying(
    settings: Settings, emulator: EmulatorServer, invoke: Callable[..., Typed], tmp_path: Path
) -> None:
    first = invoke(
        "video", "a red fox", "--duration", "4", "--yes", "--out", str(tmp_path / "a.mp4")
    )
    assert first.exit_code == 0, first.output
    submitted = [line for line in first.stderr.splitlines() if line.startswith("submitted as ")]
    operation = submitted[0].removeprefix("submitted as ")
    assert f"storyreel video --operation {operation}" in first.stderr
    paid = httpx2.get(f"{emulator.url}/_emulator/stats").json()["video_submissions"]

    again = invoke("video", "--operation", operation, "--json")

    assert again.exit_code == 0, again.output
    document = json.loads(again.stdout)
    assert document["operation"] == operation
    assert Path(document["path"]).parent == settings.output_dir
    assert Path(document["path"]).read_bytes() == (tmp_path / "a.mp4").read_bytes()
    assert httpx2.get(f"{emulator.url}/_emulator/stats").json()["video_submissions"] == paid


@pytest.mark.parametrize(
    ("name", "pillow_format", "mime_type"),
    [
        ("cover.jpg", "JPEG", "image/jpeg"),
        ("cover.JPEG", "JPEG", "image/jpeg"),
        ("cover.webp", "WEBP", "image/webp"),
        ("cover.png", "PNG", "image/png"),
    ],
)
def test_thumbnail_out_extension_names_the_format_written(
    settings: Settings,
    invoke: Callable[..., Typed],
    tmp_path: Path,
    name: str,
    pillow_format: str,
    mime_type: str,
) -> None:
    out = tmp_path / name

    result = invoke("thumbnail", "a fox at dawn", "--out", str(out), "--json")

    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["path"] == str(out)
    assert document["mime_type"] == mime_type
    with Image.open(out) as image:
        assert image.format == pillow_format
        assert image.size == (document["width"], document["height"])


def test_thumbnail_other_extension_is_refused_before_paying(
    settings: Settings, emulator: EmulatorServer, invoke: Callable[..., Typed], tmp_path: Path
) -> None:
    before = requests_seen(emulator)

    result = invoke("thumbnail", "a fox", "--out", str(tmp_path / "cover.gif"))

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot write a thumbnail as {tmp_path / 'cover.gif'}: the extension names the "
        "format, one of .png, .jpg, .jpeg or .webp\n"
    )
    assert requests_seen(emulator) == before
    assert not (tmp_path / "cover.gif").exists()
    assert list(settings.output_dir.iterdir()) == []
