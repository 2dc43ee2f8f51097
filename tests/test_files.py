"""The shared file rules: media types by magic bytes, and atomic writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from storyreel import files
from storyreel.files import is_mp4, sniff_image_type, write_atomic

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16


@pytest.mark.parametrize(
    ("head", "mime"),
    [
        (PNG, "image/png"),
        (JPEG, "image/jpeg"),
        (WEBP, "image/webp"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"RIFF\x24\x00\x00\x00WAVE", None),
        (b"RIFF\x24\x00", None),
        (b"GIF89a", None),
        (b"", None),
    ],
)
def test_sniff_image_type(head: bytes, mime: str | None) -> None:
    assert sniff_image_type(head) == mime


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", True),
        (b"\x00\x00\x00\x01ftypmp42\x00\x00\x00\x00\x00\x00\x00\x20", True),
        (b"\x00\x00\x00\x04ftypisom", False),  # a box too small to hold a brand
        (b"\x00\x00\x00\x18moovisom\x00\x00\x02\x00", False),
        (b"<html>ftyp</html>", False),
        (b"", False),
    ],
)
def test_is_mp4_reads_the_ftyp_box(data: bytes, expected: bool) -> None:
    assert is_mp4(data) is expected


def test_write_atomic_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    dest = tmp_path / "deep" / "clip.mp4"
    write_atomic(dest, b"old")
    write_atomic(dest, b"new")

    assert dest.read_bytes() == b"new"
    assert [p.name for p in dest.parent.iterdir()] == ["clip.mp4"]


def test_write_atomic_fsyncs_the_file_then_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[bool] = []

    def record(fd: int) -> None:
        synced.append(stat.S_ISDIR(os.fstat(fd).st_mode))

    monkeypatch.setattr(files.os, "fsync", record)
    write_atomic(tmp_path / "manifest.json", b"{}")

    assert synced == [False, True]


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_write_atomic_failure_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    dest = tmp_path / "clip.mp4"
    dest.write_bytes(b"old")

    def refuse(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, step, refuse)
    with pytest.raises(OSError, match="No space"):
        write_atomic(dest, b"new")
    monkeypatch.undo()

    assert dest.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]


def test_write_atomic_interrupted_write_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "story.json", b"{}")
    monkeypatch.undo()

    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_write_atomic_creates_files_with_the_process_umask(tmp_path: Path, umask: int) -> None:
    previous = os.umask(umask)
    try:
        write_atomic(tmp_path / "new.mp4", b"new")
        (tmp_path / "old.json").write_bytes(b"old")
        os.chmod(tmp_path / "old.json", 0o600)
        write_atomic(tmp_path / "old.json", b"replaced")
    finally:
        os.umask(previous)

    for name in ("new.mp4", "old.json"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~umask


def test_prepare_output_file_refuses_a_folder_and_makes_one_level_only(tmp_path: Path) -> None:
    from storyreel.errors import InputError
    from storyreel.files import prepare_output_file

    with pytest.raises(InputError, match="it is a folder, not a file"):
        prepare_output_file(tmp_path)
    with pytest.raises(InputError, match=f"{str(tmp_path / 'a')!r} does not exist"):
        prepare_output_file(tmp_path / "a" / "b" / "clip.mp4")
    assert not (tmp_path / "a").exists()

    assert prepare_output_file(tmp_path / "a" / "clip.mp4") == tmp_path / "a" / "clip.mp4"
    assert (tmp_path / "a").is_dir()
    assert prepare_output_file(tmp_path / "x" / "y" / "t.png", parents=True).parent.is_dir()
    assert [p.name for p in (tmp_path / "a").iterdir()] == []  # the probe left nothing
