"""The input limits and their checks: one number and one message for each."""

from __future__ import annotations

from typing import get_args

import pytest

from storyreel.domain import limits, story, text
from storyreel.domain.limits import (
    MAX_CHARACTERS,
    VEO_DURATIONS,
    VeoDuration,
    check_characters,
    check_count,
    check_duration,
    check_segments,
)
from storyreel.errors import InputError


@pytest.mark.parametrize("value", [1, 7, 20])
def test_check_segments_accepts_one_to_twenty(value: int) -> None:
    assert check_segments(value) == value


@pytest.mark.parametrize("value", [0, 21, -1, True, 2.0, "3", None])
def test_check_segments_refuses_anything_else(value: object) -> None:
    with pytest.raises(InputError, match=r"^segments must be a whole number from 1 to 20, got"):
        check_segments(value)


def test_check_count_names_what_it_counts() -> None:
    with pytest.raises(InputError, match=r"^count must be a whole number from 1 to 5, got 6$"):
        check_count(6, "count", 5)


@pytest.mark.parametrize("value", VEO_DURATIONS)
def test_check_duration_accepts_veo_durations(value: int) -> None:
    assert check_duration(value) == value


@pytest.mark.parametrize("value", [0, 5, 9, True, 4.0, "8", None])
def test_check_duration_refuses_anything_else(value: object) -> None:
    with pytest.raises(InputError, match=r"^duration_seconds must be 4, 6 or 8, got"):
        check_duration(value)


def test_check_characters_allows_ten_and_refuses_eleven() -> None:
    assert MAX_CHARACTERS == 10
    assert check_characters(list(range(10))) == list(range(10))
    with pytest.raises(InputError, match=r"^give at most 10 characters, got 11$"):
        check_characters(list(range(11)))


def test_limits_durations_are_one_list() -> None:
    assert VEO_DURATIONS == get_args(VeoDuration) == (4, 6, 8)


def test_limits_are_re_exported_where_they_were_first_defined() -> None:
    assert (story.MAX_SEGMENTS, story.VEO_DURATIONS) == (limits.MAX_SEGMENTS, VEO_DURATIONS)
    assert text.MAX_TEXT_CHARS == limits.MAX_TEXT_CHARS
    assert text.MAX_STYLE_CHARS == limits.MAX_STYLE_CHARS
    assert text.MAX_VIDEO_PROMPT_CHARS == limits.MAX_VIDEO_PROMPT_CHARS
