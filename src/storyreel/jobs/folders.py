"""A job's output folder: created, proven writable, and owned by one job only."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from storyreel.errors import InputError
from storyreel.files import folder_trouble, make_folder
from storyreel.jobs.manifest import MANIFEST_FILENAME

# Taken atomically by the job that films into a folder; another job there is refused.
OWNER_MARKER = "storyreel-job.lock"


def prepare_out_dir(folder: Path, job_id: str | None = None, *, parents: bool = False) -> Path:
    """Create the job folder and prove it is writable; an absolute path. With ``job_id``,
    the folder is also taken for that job (atomically), so that no second job writes there.

    Only the folder's last level is created, as ``mkdir`` does, so that a mistyped ``--out``
    never makes folders elsewhere; ``parents`` creates every missing level (a folder under
    the configured ``output_dir``)."""
    try:
        folder = folder.expanduser().resolve()
        if (folder / MANIFEST_FILENAME).exists():
            raise InputError(f"{folder} already holds a job ({MANIFEST_FILENAME}); choose another")
        _refuse_taken(folder, job_id)
        make_folder(folder, parents=parents)
        with tempfile.TemporaryFile(dir=folder):
            pass
        if job_id is not None:
            _take(folder, job_id)
    except OSError as exc:
        reason = folder_trouble(folder, exc)
        raise InputError(f"cannot write to the output folder {str(folder)!r}: {reason}") from None
    except ValueError as exc:
        reason = str(exc)
        raise InputError(f"cannot write to the output folder {str(folder)!r}: {reason}") from None
    return folder


def _refuse_taken(folder: Path, job_id: str | None) -> None:
    marker = folder / OWNER_MARKER
    if marker.is_file():
        owner = marker.read_text(encoding="utf-8", errors="replace").strip()
        if owner != job_id:
            raise InputError(f"{folder} belongs to job {owner}; choose another output folder")


def _take(folder: Path, job_id: str) -> None:
    try:
        fd = os.open(folder / OWNER_MARKER, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        # Another job took it between the check and now.
        _refuse_taken(folder, job_id)
        return
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(job_id + "\n")
