"""Each fault of the emulator at each route, through the real SDKs and storyreel's own
services, job runner and CLI: the outcome each row of ``matrix.ROWS`` promises."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import av
import pytest
from PIL import Image
from typer.testing import CliRunner

from storyreel.cli import app as cli_app
from storyreel.cli.state import CliState
from storyreel.containers import aclose_container, create_container
from storyreel.emulator.faults import KINDS, LOOKUP_ROUTES, ROUTES
from storyreel.errors import StoryreelError
from storyreel.jobs.manifest import Manifest
from storyreel.jobs.sqlite import SqliteJobStore
from storyreel.settings import Settings, load_settings

from .conftest import Control
from .matrix import CONFIGURED_KINDS, PROCESS_ROWS, ROWS, Expect, Row, render

IDEA = "a heron fishing at dawn"
CLIP_SECONDS = 4


def row_settings(emulator_url: str, output_dir: Path, row: Row) -> Settings:
    data: dict[str, Any] = {
        "backend": "offline",
        "output_dir": str(output_dir),
        "emulator": {"url": emulator_url},
        "openrouter": {"timeout_s": 5.0, "max_retries": 0},
        "google": {"timeout_s": 5.0, "max_retries": 0},
        "video": {
            "poll_initial_s": 0.05,
            "poll_max_s": 0.1,
            "timeout_s": 5.0,
            "concurrency": 1,
            "duration_seconds": CLIP_SECONDS,
            # One image per job (the thumbnail), as the rows on images describe it.
            "keyframes": False,
        },
    }
    for section, values in row.settings.items():
        data[section].update(values)
    if row.rule["kind"] == "express":
        # Live, with a key and no project: Veo goes in express mode, to the emulator.
        data["backend"] = "live"
        data["google"].update(api_key="express-mode-test-key", base_url=emulator_url + "/")
    return load_settings(data, config_file=None, env={}, dotenv=None)


async def _call(row: Row, settings: Settings, out: Path) -> Any:
    container = create_container(settings)
    try:
        if row.via == "writing":
            return await container.screenwriter().build_story(IDEA, segments=1)
        media = container.media_service()
        if row.via == "thumbnail":
            return await media.generate_thumbnail(IDEA, out / "thumbnail.png")
        seconds = row.rule.get("seconds", CLIP_SECONDS)
        request = media.video_request(IDEA, duration_seconds=seconds)
        operation = await media.submit_video(request, label="clip 1")
        return await media.wait_video(operation, out / "clip.mp4", label="clip 1")
    finally:
        await aclose_container(container)


def _check_result(row: Row, result: Any, out: Path) -> None:
    if row.via == "writing":
        assert len(result.segments) == 1
        assert result.usage.prompt_tokens > 0
        # The emulator reports each reply's cost as OpenRouter does.
        assert result.usage.cost_usd is not None
        assert result.usage.cost_usd > 0
    elif row.via == "thumbnail":
        with Image.open(out / "thumbnail.png") as image:
            assert image.format == "PNG"
    else:
        assert result.path == out / "clip.mp4"
        assert result.duration_seconds == pytest.approx(CLIP_SECONDS, abs=0.5)
        with av.open(str(result.path)) as video:
            assert video.streams.video[0].codec_context.name == "h264"


def _check_error(expect: Expect, error: StoryreelError) -> None:
    assert type(error).__name__ == expect.error, f"{type(error).__name__}: {error}"
    if expect.retryable is not None:
        assert getattr(error, "retryable", None) is expect.retryable, str(error)
    if expect.status is not None:
        assert getattr(error, "status", None) == expect.status, str(error)
    if expect.retry_after_s is not None:
        assert getattr(error, "retry_after_s", None) == pytest.approx(expect.retry_after_s)
    if expect.says is not None:
        said = [str(error), *getattr(error, "reasons", [])]
        assert any(expect.says in text for text in said), said


def _check_counts(row: Row, control: Control) -> None:
    expect = row.expect
    if expect.submissions is not None:
        assert control.submissions(expect.submissions) == expect.submissions
    if expect.requests is not None:
        assert control.stats()["requests"][row.route] == expect.requests


def _check_manifest(expect: Expect, manifest: Manifest, settings: Settings) -> None:
    assert manifest.status == expect.job, manifest.failures
    assert manifest.video_submissions == expect.counted
    folder = settings.output_dir / str(manifest.job_id)
    assert json.loads((folder / "manifest.json").read_text()) == manifest.to_json()
    for clip in manifest.clips:
        assert (clip.path is not None) == (clip.status == "succeeded")
        if clip.path is not None:
            assert (folder / clip.path).stat().st_size > 0
    if expect.says is not None:
        reasons = [failure.reason for failure in manifest.failures]
        assert any(expect.says in reason for reason in reasons), reasons
    store = SqliteJobStore.in_output_dir(settings.output_dir)
    try:
        assert store.get(str(manifest.job_id)).status.value == manifest.status
    finally:
        store.close()


async def _job(row: Row, settings: Settings, control: Control) -> None:
    expect = row.expect
    container = create_container(settings)
    try:
        runner = container.job_runner()
        job = runner.create(IDEA, segments=2)
        manifest = await runner.run(job.id)
        _check_manifest(expect, manifest, settings)
        if expect.resumed is not None:
            control.clear_faults()
            paid = control.submissions(0)
            resumed = await runner.resume(job.id)
            assert resumed.status == expect.resumed, resumed.failures
            assert resumed.video_submissions == manifest.video_submissions
            assert control.submissions(0) == paid
    finally:
        await aclose_container(container)
        container.job_store().close()


def _make(row: Row, settings: Settings) -> None:
    cli_app._register()
    result = CliRunner().invoke(
        cli_app.app,
        ["make", IDEA, "--segments", "2", "--yes", "--json"],
        obj=CliState(_settings=settings),
    )
    assert result.exit_code == row.expect.exit_code, result.output
    assert "Traceback" not in result.output
    _check_manifest(row.expect, Manifest.model_validate_json(result.stdout), settings)


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_fault_matrix_row(
    row: Row, control: Control, tmp_output: Path, request: pytest.FixtureRequest
) -> None:
    if row.rule["kind"] == "quota":
        # A quota is the emulator's configuration, not a fault rule; lifted after the row.
        quota = {key: row.rule[key] for key in ("requests", "per_s")}
        control.http.post("/_emulator/config", json={"quota": {row.route: quota}})
        request.addfinalizer(
            lambda: control.http.post("/_emulator/config", json={"quota": {row.route: None}})
        )
    elif row.rule["kind"] == "express":
        # The shared emulator serves express mode for live runs; this row wants Vertex's answer.
        control.http.post("/_emulator/config", json={"express_veo": False})
        request.addfinalizer(
            lambda: control.http.post("/_emulator/config", json={"express_veo": True})
        )
    elif row.rule["kind"] not in CONFIGURED_KINDS:
        control.faults({"route": row.route, **row.rule})
    settings = row_settings(control.server.url, tmp_output, row)
    started = time.monotonic()

    if row.via == "make":
        _make(row, settings)
    elif row.via == "job":
        asyncio.run(_job(row, settings, control))
    elif row.expect.error is None:
        _check_result(row, asyncio.run(_call(row, settings, tmp_output)), tmp_output)
    else:
        with pytest.raises(StoryreelError) as raised:
            asyncio.run(_call(row, settings, tmp_output))
        _check_error(row.expect, raised.value)
    if row.expect.within_s is not None:
        assert time.monotonic() - started < row.expect.within_s
    _check_counts(row, control)


def test_fault_matrix_covers_every_fault_kind_at_every_route() -> None:
    direct = {"writing", "thumbnail", "video"}
    covered = {
        (row.route, row.rule["kind"], row.rule.get("status")) for row in ROWS if row.via in direct
    }
    for route in ROUTES - LOOKUP_ROUTES:
        for kind in KINDS - {"status"}:
            veo_only = ("operation_error", "safety_error")
            if kind in veo_only and route in ("chat.completions", "generateContent"):
                continue
            if kind in ("error_body", "error_finish") and route != "chat.completions":
                continue
            if kind == "delay_after_accept" and route != "predictLongRunning":
                continue
            assert (route, kind, None) in covered, (route, kind)
        for status in (429, 500, 503):
            assert (route, "status", status) in covered, (route, status)
    assert {row.via for row in ROWS} >= {"job", "make"}


def test_fault_matrix_markdown_matches_the_table() -> None:
    written = (Path(__file__).parent / "MATRIX.md").read_text(encoding="utf-8")
    assert written == render(), (
        "tests/faults/MATRIX.md is out of date: "
        "python tests/faults/matrix.py > tests/faults/MATRIX.md"
    )


def test_fault_matrix_row_ids_are_unique_and_stable() -> None:
    # The README cites rows by id: an id must name one row, whatever rows are added around it.
    ids = [row.id for row in ROWS]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("checked_by", [row[2] for row in PROCESS_ROWS])
def test_fault_matrix_process_rows_name_a_real_check(checked_by: str) -> None:
    root = Path(__file__).resolve().parents[2]
    path, _, name = checked_by.partition("::")
    source = (root / path).read_text(encoding="utf-8")
    if name:
        assert f"def {name}(" in source, f"{checked_by} does not exist"
