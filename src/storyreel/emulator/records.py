"""JSON records kept in a folder, so that emulator state outlives the process that made it.

One small file per record, written to a temporary name, flushed to disk and renamed into
place: a reader in any process sees a whole record or none, a crash leaves at most a stray
temporary file (never a torn record), and several processes can share the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

logger = logging.getLogger(__name__)

_SUFFIX: Final = ".json"
_TEMP_PREFIX: Final = ".tmp-"
# A temporary file this old belongs to a writer that died before renaming it.
_STALE_TEMP_S: Final = 3600.0


def _file_name(key: str) -> str:
    # Keys (operation names, prompts) hold slashes and any length: name files by a digest.
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:40] + _SUFFIX


class RecordFolder:
    """Records by key under ``path``; the folder is created on the first write."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, key: str, record: Mapping[str, Any]) -> None:
        """Store ``record`` under ``key`` durably; raises OSError if the folder is unusable."""
        data = json.dumps({"key": key, "record": dict(record)}, ensure_ascii=False).encode()
        self.path.mkdir(parents=True, exist_ok=True)
        temp = self.path / f"{_TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}"
        # 0o666 and the process umask, as other tools create files; never world-writable.
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, self.path / _file_name(key))
        except BaseException:
            with contextlib.suppress(OSError):
                temp.unlink()
            raise
        self._sync_folder()

    def read(self, key: str) -> dict[str, Any] | None:
        """The record stored under ``key``, or None when there is none (or it is unreadable)."""
        return self._load(self.path / _file_name(key), key)

    def exists(self, key: str) -> bool:
        return (self.path / _file_name(key)).is_file()

    def keys(self) -> list[str]:
        """Every stored key, oldest file first."""
        found: list[tuple[float, str]] = []
        for path in self._files():
            try:
                stamp = path.stat().st_mtime
                key = json.loads(path.read_bytes())["key"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if isinstance(key, str):
                found.append((stamp, key))
        return [key for _, key in sorted(found)]

    def count(self) -> int:
        return sum(1 for _ in self._files())

    def remove(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.path / _file_name(key)).unlink()

    def clear(self) -> None:
        """Remove every record and temporary file."""
        for path in self._entries():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def prune(self, older_than_s: float) -> int:
        """Remove records not written for ``older_than_s`` and stale temporary files."""
        now = time.time()
        removed = 0
        for path in self._entries():
            limit = _STALE_TEMP_S if path.name.startswith(_TEMP_PREFIX) else older_than_s
            with contextlib.suppress(FileNotFoundError):
                if now - path.stat().st_mtime > limit:
                    path.unlink()
                    removed += not path.name.startswith(_TEMP_PREFIX)
        return removed

    def _load(self, path: Path, key: str) -> dict[str, Any] | None:
        try:
            document = json.loads(path.read_bytes())
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError) as exc:
            logger.warning("emulator record %s is unreadable: %s", path, exc)
            return None
        if not isinstance(document, dict) or document.get("key") != key:
            return None
        record = document.get("record")
        return record if isinstance(record, dict) else None

    def _entries(self) -> list[Path]:
        try:
            return [entry for entry in self.path.iterdir() if entry.is_file()]
        except OSError:  # not there yet, or not a folder: no records
            return []

    def _files(self) -> list[Path]:
        return [p for p in self._entries() if p.suffix == _SUFFIX and not p.name.startswith(".")]

    def _sync_folder(self) -> None:
        # The rename itself is only durable once the folder's entry is on disk.
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)
