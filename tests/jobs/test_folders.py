"""A job owns its output folder; bad folders are one-line input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from storyreel.errors import InputError
from storyreel.jobs.folders import OWNER_MARKER, prepare_out_dir
from storyreel.jobs.runner import JobRunner


def test_folders_second_job_in_the_same_folder_is_refused(
    runner: JobRunner, tmp_path: Path
) -> None:
    first = runner.create("kites", segments=1, out_dir=tmp_path / "shared")
    assert (Path(first.out_dir) / OWNER_MARKER).read_text().strip() == first.id
    with pytest.raises(InputError, match=f"belongs to job {first.id}"):
        runner.create("boats", segments=1, out_dir=tmp_path / "shared")
    assert [job.id for job in runner.list_jobs()] == [first.id]


def test_folders_the_owning_job_may_prepare_its_folder_again(tmp_path: Path) -> None:
    prepare_out_dir(tmp_path / "mine", "job-1")
    assert prepare_out_dir(tmp_path / "mine", "job-1") == (tmp_path / "mine").resolve()


def test_folders_a_file_in_the_way_says_what_it_is(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(InputError, match=f"{blocker} is a file, not a folder"):
        prepare_out_dir(blocker, "job-1")
    with pytest.raises(InputError, match=f"{blocker} is a file, not a folder"):
        prepare_out_dir(blocker / "below" / "deeper", "job-1")
