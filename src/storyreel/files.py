"""File rules every layer shares: media bytes by their magic, atomic writes, output paths."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from storyreel.errors import InputError

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
    fd, tmp_name = create_temporary(dest)
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


def create_temporary(dest: Path) -> tuple[int, str]:
    """A new, empty temporary file next to ``dest``, open for writing.

    Created with mode 0666 so that the process umask decides who may read the result, as it
    does for files other tools write (``tempfile.mkstemp`` would make every output 0600).
    O_EXCL refuses a name that exists, a symlink planted there included.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = str(dest.parent / f".{dest.name}.{secrets.token_hex(6)}.part")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {dest}")


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


__all__ = [
    "JPEG_MAGIC",
    "PNG_MAGIC",
    "folder_trouble",
    "is_mp4",
    "make_folder",
    "prepare_output_file",
    "prepare_output_folder",
    "sniff_image_type",
    "write_atomic",
]


def folder_trouble(folder: Path, exc: OSError) -> str:
    """Why ``folder`` could not be made or written, in words: a file standing where the
    folder (or one of its parents) should be is named as such, not as "File exists"."""
    for path in (folder, *folder.parents):
        try:
            present = path.exists() or path.is_symlink()
            if present and not path.is_dir():
                return f"{path} is a file, not a folder"
        except OSError:
            continue
        if present:
            break
    return exc.strerror or str(exc)


def prepare_output_folder(folder: Path, *, parents: bool = False) -> Path:
    """Make sure files can be written into ``folder`` before anything is paid for.

    A missing ``folder`` is created: only its last level, like ``mkdir`` (an explicit
    ``--out`` never makes folders elsewhere on the machine), or with every missing parent
    when ``parents`` (the configured ``output_dir``). Writability is proven with a temporary
    file. Raises InputError, one line, saying what is in the way.
    """
    try:
        make_folder(folder, parents=parents)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        reason = folder_trouble(folder, exc)
        raise InputError(f"cannot write to the folder {str(folder)!r}: {reason}") from None
    return folder


def prepare_output_file(path: Path, *, parents: bool = False) -> Path:
    """Make sure ``path`` can be written before anything is paid for: it is not a folder,
    its folder exists (or is created as :func:`prepare_output_folder` does) and is writable.
    Returns ``path`` with ``~`` expanded."""
    path = path.expanduser()
    if path.is_dir():
        raise InputError(
            f"cannot write {str(path)!r}: it is a folder, not a file; name a file in it"
        )
    prepare_output_folder(path.parent, parents=parents)
    return path


def make_folder(folder: Path, *, parents: bool = False) -> None:
    """Create ``folder`` if it is missing: only its last level unless ``parents``. A missing
    parent is an InputError naming it; a file in the way an OSError (see folder_trouble)."""
    if folder.is_dir():
        return
    if not parents:
        _refuse_missing_parent(folder)
    folder.mkdir(parents=parents, exist_ok=True)


def _refuse_missing_parent(folder: Path) -> None:
    missing: Path | None = None
    for path in (folder.parent, *folder.parent.parents):
        if path.exists() or path.is_symlink():
            if not path.is_dir():
                # Named by folder_trouble: "<path> is a file, not a folder".
                raise NotADirectoryError(20, "Not a directory", str(path))
            break
        missing = path
    if missing is not None:
        raise InputError(
            f"cannot create the folder {str(folder)!r}: {str(missing)!r} does not exist; "
            "create it first (only the last folder level is made)"
        )
