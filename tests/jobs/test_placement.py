"""Where a setup keeps its jobs and files, and the setups of several machines it refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from storyreel.errors import ConfigError
from storyreel.jobs.placement import check_placement, filesystem_of, placement
from storyreel.settings import Settings, load_settings

PASSWORD = "pg-Secret-4471"


def _mountinfo(tmp_path: Path, mounts: dict[str, str]) -> Path:
    """A /proc/self/mountinfo with one line per mount point and filesystem type."""
    lines = [
        f"{n} 1 0:{n} / {point.replace(' ', chr(92) + '040')} rw,relatime shared:{n} - {kind} "
        f"dev{n} rw"
        for n, (point, kind) in enumerate(mounts.items(), start=20)
    ]
    path = tmp_path / "mountinfo"
    path.write_text("\n".join(lines) + "\n")
    return path


def _settings(output: Path, **jobs: Any) -> Settings:
    return load_settings(
        {"output_dir": str(output), "jobs": jobs}, config_file=None, env={}, dotenv=None
    )


def test_placement_finds_the_deepest_mount_holding_a_folder_not_made_yet(tmp_path: Path) -> None:
    info = _mountinfo(tmp_path, {"/": "ext4", str(tmp_path): "nfs4", "/elsewhere": "xfs"})
    assert filesystem_of(tmp_path / "out" / "not-yet", info) == (str(tmp_path), "nfs4")
    assert filesystem_of(Path("/elsewhere-not"), info) == ("/", "ext4")
    assert filesystem_of(tmp_path, tmp_path / "no-such-mountinfo") is None


def test_placement_one_machine_inline_has_nothing_to_refuse(tmp_path: Path) -> None:
    info = _mountinfo(tmp_path, {"/": "ext4"})
    found = placement(_settings(tmp_path / "out"), info)
    assert not found.distributed
    assert found.problems == []
    assert "SQLite" in found.store
    assert "this machine only" in found.files


@pytest.mark.parametrize(
    "jobs",
    [
        pytest.param({"queue": "celery", "broker_url": "redis://127.0.0.1:6379/0"}, id="celery"),
        pytest.param({"store_url": f"postgresql://sr:{PASSWORD}@db:5432/sr"}, id="postgres"),
    ],
)
def test_placement_refuses_several_machines_on_a_local_disk_until_told(
    tmp_path: Path, jobs: dict[str, Any]
) -> None:
    info = _mountinfo(tmp_path, {"/": "ext4"})
    refused = placement(_settings(tmp_path / "out", **jobs), info)
    assert refused.distributed
    assert len(refused.problems) == 1
    assert "jobs.shared_output" in refused.problems[0]
    assert "ext4 at /" in refused.problems[0]
    told = placement(_settings(tmp_path / "out", shared_output=True, **jobs), info)
    assert told.problems == []
    assert "jobs.shared_output" in told.files
    for text in (refused.store, refused.queue, *refused.problems):
        assert PASSWORD not in text


def test_placement_accepts_network_storage_and_names_the_bucket_for_clips(tmp_path: Path) -> None:
    info = _mountinfo(tmp_path, {"/": "ext4", str(tmp_path): "fuse.gcsfuse"})
    settings = _settings(
        tmp_path / "out",
        store_url=f"postgresql://sr:{PASSWORD}@db:5432/sr",
        queue="celery",
        broker_url="redis://127.0.0.1:6379/0",
    )
    settings = settings.model_copy(
        update={"video": settings.video.model_copy(update={"output_gcs_uri": "gs://b/clips"})}
    )
    found = placement(settings, info)
    assert found.problems == []
    assert "shared storage" in found.files
    assert "gs://b/clips" in found.clips
    assert found.store == "PostgreSQL at postgresql://sr:***@db:5432/sr"


def test_placement_refuses_a_sqlite_store_on_network_storage_for_celery(tmp_path: Path) -> None:
    info = _mountinfo(tmp_path, {"/": "ext4", str(tmp_path): "nfs"})
    settings = _settings(tmp_path / "out", queue="celery", broker_url="redis://127.0.0.1:1/0")
    found = placement(settings, info)
    assert len(found.problems) == 1
    assert "STORYREEL_JOBS__STORE_URL" in found.problems[0]


def test_placement_check_raises_the_first_problem(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "out", queue="celery", broker_url="redis://127.0.0.1:1/0")
    local = filesystem_of(tmp_path)
    if local is not None and local[1] in ("nfs", "nfs4"):
        pytest.skip("this test folder is itself on network storage")
    with pytest.raises(ConfigError, match=r"jobs\.shared_output"):
        check_placement(settings)


def test_config_check_refuses_celery_on_a_local_folder_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYREEL_")}
    env |= {
        "STORYREEL_OUTPUT_DIR": str(tmp_path / "out"),
        "STORYREEL_JOBS__QUEUE": "celery",
        "STORYREEL_JOBS__BROKER_URL": f"redis://:{PASSWORD}@127.0.0.1:1/0",
    }
    argv = [sys.executable, "-m", "storyreel.cli", "config", "check"]
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, check=False, timeout=60, cwd=tmp_path
    )
    assert done.returncode == 78
    assert len(done.stderr.strip().splitlines()) == 1
    assert "jobs.shared_output" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    env["STORYREEL_JOBS__SHARED_OUTPUT"] = "true"
    told = subprocess.run(
        argv, capture_output=True, text=True, env=env, check=False, timeout=60, cwd=tmp_path
    )
    assert told.returncode == 0, told.stderr
    assert "job queue: celery, broker redis://:***@127.0.0.1:1/0" in told.stdout
    assert PASSWORD not in told.stdout + told.stderr
