"""A job's output folder: created, and proven writable, before the job exists."""

from __future__ import annotations

import tempfile
from pathlib import Path

from storyreel.errors import InputError
from storyreel.jobs.manifest import MANIFEST_FILENAME


def prepare_out_dir(folder: Path) -> Path:
    """Create the job folder and prove it is writable; an absolute path."""
    try:
        folder = folder.expanduser().resolve()
        if (folder / MANIFEST_FILENAME).exists():
            raise InputError(f"{folder} already holds a job ({MANIFEST_FILENAME}); choose another")
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except (OSError, ValueError) as exc:
        raise InputError(
            f"cannot write to the output folder {str(folder)!r}: "
            f"{getattr(exc, 'strerror', None) or exc}"
        ) from None
    return folder
