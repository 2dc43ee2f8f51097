"""``storyreel stats``: the metrics' figures, read only, as tables or one JSON document."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.jobs.activity import ActivityLog, Shape
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.settings import Settings, load_settings


def _stats(settings: Settings, *args: str) -> str:
    cli_app._register()
    result = CliRunner().invoke(cli_app.app, ["stats", *args], obj=CliState(_settings=settings))
    assert result.exit_code == 0, result.output
    return result.stdout


def _settings(folder: Path) -> Settings:
    return load_settings({"output_dir": str(folder)}, config_file=None, env={}, dotenv=None)


def test_stats_of_an_empty_folder_are_zero_and_write_nothing(tmp_path: Path) -> None:
    document = json.loads(_stats(_settings(tmp_path), "--json"))
    assert document["jobs"]["succeeded"] == 0
    assert document["polls"] == {"operations": 0, "polls": 0}
    assert document["learned_operation_s"] == []
    assert list(tmp_path.iterdir()) == []


def test_stats_show_the_learned_operation_time(tmp_path: Path) -> None:
    SqliteJobStore.in_output_dir(tmp_path).close()
    log = ActivityLog.in_output_dir(tmp_path)
    log.submitted("op-1", Shape("veo-3.1-generate-001", "1080p", 6), at=10.0)
    log.found("op-1", pending_s=58.0, done_s=61.0)
    log.collected("op-1", polls=2, outcome="succeeded")
    log.called("video_poll", "veo-3.1-generate-001", "http_429")
    log.close()

    shown = _stats(_settings(tmp_path))
    assert "veo-3.1-generate-001" in shown
    assert "59.5 s" in shown  # between the poll that found it running and the one done
    assert "http_429: 1" in shown
    (learned,) = json.loads(_stats(_settings(tmp_path), "--json"))["learned_operation_s"]
    assert learned == {
        "model": "veo-3.1-generate-001",
        "resolution": "1080p",
        "duration_s": 6,
        "expected_s": 59.5,
        "samples": 1,
    }
