"""The Veo table: what each model takes."""

from __future__ import annotations

import pytest

from storyreel.domain.veo import VEO_2, VEO_3, clip_problem, veo_model


def test_models_are_known_by_family_prefix_and_resource_name() -> None:
    assert veo_model("veo-3.1-fast-generate-001") is VEO_3
    assert veo_model("veo-3.0-generate-001") is VEO_3
    assert veo_model("publishers/google/models/veo-2.0-generate-001") is VEO_2
    assert veo_model("some-future-model") is None


@pytest.mark.parametrize("seconds", [4, 6, 8])
def test_veo_3_takes_4_6_8_at_720p_and_1080p_with_audio(seconds: int) -> None:
    for resolution in ("720p", "1080p"):
        problem = clip_problem(
            "veo-3.1-generate-001",
            duration=seconds,
            resolution=resolution,
            aspect_ratio="9:16",
            audio=True,
        )
        assert problem is None


@pytest.mark.parametrize(
    ("model", "options", "says"),
    [
        ("veo-3.1-generate-001", {"duration": 5}, "4, 6 or 8 seconds, not 5"),
        ("veo-3.1-generate-001", {"aspect_ratio": "1:1"}, "9:16 or 16:9, not '1:1'"),
        ("veo-2.0-generate-001", {"duration": 4}, "5-8 seconds, not 4"),
        ("veo-2.0-generate-001", {"resolution": "1080p"}, "720p clips, not 1080p"),
        ("veo-2.0-generate-001", {"audio": True}, "makes no audio"),
    ],
)
def test_refusals_are_one_line_naming_the_model(
    model: str, options: dict[str, object], says: str
) -> None:
    clip: dict[str, object] = {
        "duration": 8,
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "audio": False,
        **options,
    }
    problem = clip_problem(model, **clip)  # type: ignore[arg-type]
    assert problem is not None
    assert says in problem
    assert "\n" not in problem


@pytest.mark.parametrize("seconds", [5, 6, 7, 8])
def test_veo_2_takes_5_to_8_seconds(seconds: int) -> None:
    problem = clip_problem(
        "veo-2.0-generate-001",
        duration=seconds,
        resolution="720p",
        aspect_ratio="16:9",
        audio=False,
    )
    assert problem is None
