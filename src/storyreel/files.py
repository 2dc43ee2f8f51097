"""File rules every layer shares: what media bytes are, by their magic, and atomic writes."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"


def sniff_image_type(head: bytes) -> str | None:
    """The MIME type of a PNG, JPEG or WebP image from its first 12 bytes or more, else None."""
    if head.startswith(PNG_MAGIC):
        return "image/png"
    if head.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def is_mp4(data: bytes) -> bool:
    """Whether ``data`` starts like an ISO base media file (MP4): an ``ftyp`` box at offset 4."""
    if len(data) < 12 or data[4:8] != b"ftyp":
        return False
    box_size = int.from_bytes(data[0:4], "big")
    # A real ftyp box holds at least its header and the major brand (1: a 64-bit size follows).
    return box_size == 1 or box_size >= 12


def write_atomic(dest: Path, data: bytes) -> None:
    """Write ``data`` to ``dest`` so that readers see the old file or the whole new one.

    The bytes go to a temporary file in the same folder (same filesystem, so the rename is
    atomic) and are fsynced; the file then replaces ``dest`` and the folder is fsynced so
    that the rename survives a crash. A failure leaves no temporary file behind.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_folder(dest.parent)


def _fsync_folder(folder: Path) -> None:
    # Not every platform lets a folder be opened or fsynced (Windows): the rename still stands.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = ["JPEG_MAGIC", "PNG_MAGIC", "is_mp4", "sniff_image_type", "write_atomic"]


def folder_trouble(folder: Path, exc: OSError) -> str:
    """Why ``folder`` could not be made or written, in words: a file standing where the
    folder (or one of its parents) should be is named as such, not as "File exists"."""
    for path in (folder, *folder.parents):
        if path.exists() or path.is_symlink():
            if not path.is_dir():
                return f"{path} is a file, not a folder"
            break
    return exc.strerror or str(exc)
