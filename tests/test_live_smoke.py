"""bench/live_smoke.py: refuses to spend without ``--backend live`` and keys, and its work
(a story, a 4 s clip, a thumbnail, their costs) runs end to end against the emulator."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from storyreel.settings import Settings

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "live_smoke.py"


@pytest.fixture(scope="module")
def live_smoke() -> ModuleType:
    spec = importlib.util.spec_from_file_location("live_smoke", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv", [[], ["--backend", "offline"]])
def test_live_smoke_refuses_without_backend_live(
    live_smoke: ModuleType, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert live_smoke.main(argv) == 2
    said = capsys.readouterr().out
    assert said.count("\n") == 1
    assert "--backend live" in said


def test_live_smoke_refuses_live_without_keys(
    live_smoke: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("OPENAI_API_KEY", "GOOGLE_STUDIO_API_KEY", "STORYREEL_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert live_smoke.main(["--backend", "live", "--out", str(tmp_path / "out")]) == 1
    said = capsys.readouterr().out
    assert said.count("\n") == 1
    assert "OPENAI_API_KEY" in said


def test_live_smoke_work_against_the_emulator(
    live_smoke: ModuleType, offline_settings: Settings, tmp_path: Path
) -> None:
    rows = asyncio.run(live_smoke.smoke(offline_settings, tmp_path, "a heron at dawn"))
    assert [path for _, path, _ in rows] == ["story.json", "clip.mp4", "thumbnail.png"]
    for _, path, _ in rows:
        assert (tmp_path / path).stat().st_size > 0
    story_cost = rows[0][2]
    assert story_cost is not None
    assert story_cost > 0
