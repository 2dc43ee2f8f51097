"""The Veo table's word on first and last frames: which models take a last frame, and which
images Veo takes as frames."""

from __future__ import annotations

import pytest

from storyreel.domain.images import MAX_VEO_FRAME_BYTES
from storyreel.domain.veo import frames_problem, takes_last_frame


@pytest.mark.parametrize(
    ("model", "takes"),
    [
        ("veo-3.1-generate-001", True),
        ("publishers/google/models/veo-3.1-fast-generate-001", True),
        ("veo-3.0-generate-001", False),
        ("veo-2.0-generate-001", False),
        ("some-future-model", None),
    ],
)
def test_only_veo_3_1_takes_a_last_frame(model: str, takes: bool | None) -> None:
    assert takes_last_frame(model) is takes


def test_frames_problem_accepts_png_and_jpeg_frames_on_veo_3_1() -> None:
    png, jpeg = ("image/png", 1000), ("image/jpeg", MAX_VEO_FRAME_BYTES)
    assert frames_problem("veo-3.1-generate-001", first=png, last=jpeg) is None
    assert frames_problem("veo-2.0-generate-001", first=jpeg, last=None) is None
    assert frames_problem("some-future-model", first=png, last=png) is None


@pytest.mark.parametrize(
    ("model", "first", "last", "fragment"),
    [
        ("veo-3.1-generate-001", None, ("image/png", 10), "only together with a first frame"),
        ("veo-3.0-generate-001", ("image/png", 10), ("image/png", 10), "does not take a last"),
        ("veo-3.1-generate-001", ("image/webp", 10), None, "first frame as PNG or JPEG"),
        ("veo-3.1-generate-001", ("image/png", MAX_VEO_FRAME_BYTES + 1), None, "at most 20.0 MB"),
    ],
)
def test_frames_problem_names_what_veo_refuses(
    model: str, first: tuple[str, int] | None, last: tuple[str, int] | None, fragment: str
) -> None:
    problem = frames_problem(model, first=first, last=last)
    assert problem is not None
    assert fragment in problem
