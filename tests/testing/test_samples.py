"""The small media the fakes return."""

from __future__ import annotations

from pathlib import Path

from storyreel.services.google.files import image_size, mp4_duration
from storyreel.testing.samples import tiny_mp4, tiny_png


def test_samples_tiny_mp4_plays_for_its_duration(tmp_path: Path) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(tiny_mp4(6, "16:9"))
    duration = mp4_duration(clip)
    assert duration is not None
    assert abs(duration - 6) < 0.6


def test_samples_tiny_png_has_the_ratio() -> None:
    width, height = image_size(tiny_png("9:16"))
    assert (width, height) == (36, 64)
