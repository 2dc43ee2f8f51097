"""`storyreel story|meme|content|ideas|characters`: JSON documents, readable output, errors."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from PIL import Image
from typer.testing import CliRunner

from storyreel.cli.app import _register, app, run
from storyreel.cli.state import CliState
from storyreel.emulator import EmulatorServer
from storyreel.settings import Settings, load_settings

USAGE_KEYS = {"prompt_tokens", "completion_tokens", "cost_usd"}


@pytest.fixture
def settings(emulator: EmulatorServer, tmp_output: Path) -> Settings:
    return load_settings(
        {"backend": "offline", "output_dir": str(tmp_output), "emulator": {"url": emulator.url}},
        env={},
        dotenv=None,
    )


@pytest.fixture
def invoke(settings: Settings) -> Any:
    _register()
    runner = CliRunner()

    def call(*args: str) -> Any:
        return runner.invoke(app, list(args), obj=CliState(_settings=settings))

    return call


@pytest.fixture
def faults(emulator: EmulatorServer) -> Iterator[Any]:
    with httpx2.Client(base_url=emulator.url, timeout=10) as client:

        def install(*rules: dict[str, Any]) -> None:
            assert client.post("/_emulator/faults", json=list(rules)).status_code == 200

        client.post("/_emulator/reset")
        yield install
        client.post("/_emulator/reset")


@pytest.fixture
def run_cli(
    emulator: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> Any:
    """``run(argv)`` as the console script does it, offline against the shared emulator."""
    monkeypatch.chdir(tmp_path)  # no ./config.yml, no .env
    monkeypatch.setenv("STORYREEL_EMULATOR__URL", emulator.url)
    monkeypatch.setenv("STORYREEL_BACKEND", "offline")

    def call(*argv: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as done:
            run(list(argv))
        out, err = capsys.readouterr()
        code = done.value.code
        return (code if isinstance(code, int) else 0), out, err

    return call


def png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return path


def test_story_json_is_one_document_with_the_documented_fields(invoke: Any) -> None:
    result = invoke("story", "A lighthouse keeper befriends a storm", "--segments", "3", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"title", "logline", "style", "characters", "segments", "usage"}
    assert set(document["usage"]) == USAGE_KEYS
    assert [s["index"] for s in document["segments"]] == [1, 2, 3]
    for segment in document["segments"]:
        assert set(segment) == {"index", "narration", "visual_prompt", "duration_seconds"}
        assert segment["duration_seconds"] in (4, 6, 8)
    for character in document["characters"]:
        assert set(character) == {"name", "description"}
        assert any(character["description"] in s["visual_prompt"] for s in document["segments"])


def test_story_readable_output(invoke: Any) -> None:
    result = invoke("story", "A fox learns to paint", "-n", "2", "--style", "ink wash")
    assert result.exit_code == 0, result.output
    assert "1." in result.stdout
    assert "2." in result.stdout
    assert "style: ink wash" in result.stdout
    assert "2 segments" in result.stdout
    assert "tokens:" in result.stdout


def test_story_characters_from_the_characters_command(invoke: Any, tmp_path: Path) -> None:
    image = png(tmp_path / "hero.png")
    analysed = invoke("characters", str(image), "--json")
    assert analysed.exit_code == 0, analysed.output
    sheet = tmp_path / "cast.json"
    sheet.write_text(analysed.stdout, encoding="utf-8")
    profiles = json.loads(analysed.stdout)["characters"]
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps([{"name": "Bo", "description": "a tiny blue robot"}]))
    result = invoke(
        "story",
        "A chase",
        "-n",
        "2",
        "--characters",
        str(sheet),
        "--characters",
        str(extra),
        "--json",
    )
    assert result.exit_code == 0, result.output
    story = json.loads(result.stdout)
    prompts = [s["visual_prompt"] for s in story["segments"]]
    wanted = [p["visual_description"] for p in profiles] + ["a tiny blue robot"]
    for description in wanted:
        assert any(description in prompt for prompt in prompts)


def test_meme_json(invoke: Any) -> None:
    result = invoke("meme", "Monday mornings", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {
        "top_text",
        "bottom_text",
        "image_prompt",
        "caption",
        "hashtags",
        "usage",
    }


@pytest.mark.parametrize(
    ("fmt", "fields"),
    [
        ("post", {"title", "text", "hashtags"}),
        ("thread", {"title", "posts"}),
        ("script", {"title", "hook", "scenes", "call_to_action"}),
        ("caption", {"text", "hashtags"}),
    ],
)
def test_content_json_per_format(invoke: Any, fmt: str, fields: set[str]) -> None:
    result = invoke("content", "sleep better", "--format", fmt, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == fields | {"format", "usage"}
    assert document["format"] == fmt


def test_content_thread_readable(invoke: Any) -> None:
    result = invoke("content", "sleep better", "-f", "thread")
    assert result.exit_code == 0, result.output
    assert "1/" in result.stdout


def test_ideas_json_and_help(invoke: Any) -> None:
    result = invoke("ideas", "home cooking", "--count", "4", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"niche", "ideas", "usage"}
    assert len(document["ideas"]) == 4
    assert all(set(i) == {"title", "hook", "why_now", "format"} for i in document["ideas"])
    assert "no web access" in " ".join(invoke("ideas", "--help").stdout.split())


def test_characters_json(invoke: Any, tmp_path: Path) -> None:
    result = invoke(
        "characters", str(png(tmp_path / "a.png")), "https://example.com/b.jpg", "--json"
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert set(document) == {"characters", "usage"}
    fields = {"name_hint", "appearance", "clothing", "distinctive_features", "visual_description"}
    assert all(set(c) == fields for c in document["characters"])


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["story", "   "], "error: idea is empty; give a few words"),
        (
            ["story", "x", "--segments", "21"],
            "error: segments must be a whole number from 1 to 20, got 21",
        ),
        (["story", "x", "--duration", "5"], "error: duration_seconds must be 4, 6 or 8, got 5"),
        (
            ["story", "x", "--characters", "nope.json"],
            "error: characters file nope.json does not exist",
        ),
        (
            ["content", "x", "--format", "tweet"],
            "error: unknown format 'tweet'; choose one of post",
        ),
        (["ideas", "x", "--count", "0"], "error: count must be a whole number from 1 to 20, got 0"),
        (["meme", ""], "error: topic is empty"),
        (["characters", "missing.png"], "error: image 'missing.png' does not exist"),
    ],
)
def test_writing_bad_input_is_one_line_and_exit_2(
    run_cli: Any, argv: list[str], message: str
) -> None:
    code, out, err = run_cli(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_characters_not_an_image_and_too_large(run_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "notes.png").write_text("hello")
    code, _, err = run_cli("characters", "notes.png")
    assert (code, err) == (2, "error: image 'notes.png' is not a PNG, JPEG or WebP image\n")
    with (tmp_path / "huge.png").open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)
    code, _, err = run_cli("characters", "huge.png")
    assert code == 2
    assert "the limit is 20 MB" in err


def test_writing_provider_errors_at_the_cli(run_cli: Any, faults: Any) -> None:
    faults({"route": "chat.completions", "kind": "status", "status": 401})
    code, out, err = run_cli("story", "idea", "--json")
    assert code == 69
    assert out == ""
    assert err.startswith("error: OpenRouter rejected the API key (HTTP 401): check OPENAI_API_KEY")
    assert err.count("\n") == 1

    faults({"route": "chat.completions", "kind": "status", "status": 402})
    code, _, err = run_cli("meme", "cats")
    assert code == 69
    assert "(HTTP 402)" in err

    faults({"route": "chat.completions", "kind": "safety_block"})
    code, _, err = run_cli("ideas", "cats")
    assert code == 65
    assert err.startswith("error: ")
    assert "declined" in err


def run_process(*args: str, emulator_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    env.pop("OPENAI_API_KEY", None)
    env.update(STORYREEL_EMULATOR__URL=emulator_url, STORYREEL_BACKEND="offline")
    return subprocess.run(
        [sys.executable, "-c", "from storyreel.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
        timeout=60,
    )


@pytest.mark.slow
def test_story_end_to_end_in_a_process(emulator: EmulatorServer, tmp_path: Path) -> None:
    done = run_process(
        "story",
        "A robot plants a tree",
        "--segments",
        "3",
        "--json",
        emulator_url=emulator.url,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # exactly one JSON document
    assert len(document["segments"]) == 3
    assert set(document["usage"]) == USAGE_KEYS

    bad = run_process("story", " ", emulator_url=emulator.url, cwd=tmp_path)
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == "error: idea is empty; give a few words\n"
