"""Reference images: data URLs by magic bytes, size limit, missing files, URLs passed through."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from storyreel.errors import InputError
from storyreel.services.openrouter.images import MAX_IMAGE_BYTES, image_url, image_urls

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 16
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 16


@pytest.mark.parametrize(
    ("data", "mime"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp")]
)
def test_image_url_local_file_becomes_a_data_url(tmp_path: Path, data: bytes, mime: str) -> None:
    path = tmp_path / "picture.bin"  # the extension is ignored; the bytes decide
    path.write_bytes(data)
    assert image_url(path).startswith(f"data:{mime};base64,")


def test_image_url_http_urls_pass_through_unfetched() -> None:
    assert image_url("https://example.com/a.png") == "https://example.com/a.png"
    assert image_url("http://example.com/b") == "http://example.com/b"


def test_image_url_not_an_image(tmp_path: Path) -> None:
    path = tmp_path / "notes.png"
    path.write_text("just text")
    with pytest.raises(InputError, match=r"notes.png' is not a PNG, JPEG or WebP image"):
        image_url(path)


def test_image_url_too_large(tmp_path: Path) -> None:
    path = tmp_path / "huge.png"
    with path.open("wb") as handle:
        handle.write(PNG)
        handle.truncate(MAX_IMAGE_BYTES + 1)  # sparse: no 20 MB written
    with pytest.raises(InputError, match="the limit is 20 MB"):
        image_url(path)


def test_image_url_exactly_at_the_limit_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    with path.open("wb") as handle:
        handle.write(PNG)
        handle.truncate(MAX_IMAGE_BYTES)
    assert image_url(path).startswith("data:image/png;base64,")


def test_image_url_missing_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        image_url(tmp_path / "nope.png")
    with pytest.raises(InputError, match="is not a file"):
        image_url(tmp_path)


def test_image_urls_counts(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="at least one image"):
        image_urls([])
    with pytest.raises(InputError, match="at most 10 images"):
        image_urls(["https://example.com/x.png"] * 11)
    path = tmp_path / "one.png"
    path.write_bytes(PNG)
    assert len(image_urls(os.fspath(path))) == 1
