"""The one Retry-After reader both provider stacks use: milliseconds, seconds, HTTP dates."""

from __future__ import annotations

import email.utils

import httpx2
import pytest

from storyreel.services.retry_after import parse_retry_after


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after": "7"}, 7.0),
        ({"retry-after": "0.25"}, 0.25),
        ({"retry-after": " 12 "}, 12.0),
        ({"retry-after": "0"}, 0.0),
    ],
)
def test_parse_retry_after_seconds(headers: dict[str, str], expected: float) -> None:
    assert parse_retry_after(headers) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after-ms": "0"}, 0.0),
        # An unusable millisecond value falls back to retry-after.
        ({"retry-after-ms": "soon", "retry-after": "9"}, 9.0),
        ({"retry-after-ms": "nan", "retry-after": "2"}, 2.0),
        ({"retry-after-ms": "-100", "retry-after": "4"}, 4.0),
        ({"retry-after-ms": "inf"}, None),
    ],
)
def test_parse_retry_after_ms_comes_first(headers: dict[str, str], expected: float | None) -> None:
    assert parse_retry_after(headers) == expected


def test_parse_retry_after_http_date_counts_from_now() -> None:
    date = email.utils.formatdate(1_000_030, usegmt=True)

    assert parse_retry_after({"retry-after": date}, now=1_000_000) == pytest.approx(30.0)


def test_parse_retry_after_http_date_without_a_zone_is_gmt() -> None:
    date = email.utils.formatdate(1_000_030).replace("+0000", "-0000")

    assert parse_retry_after({"retry-after": date}, now=1_000_000) == pytest.approx(30.0)


def test_parse_retry_after_http_date_in_the_past_is_zero() -> None:
    assert parse_retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0


@pytest.mark.parametrize(
    "value", ["inf", "Infinity", "-inf", "nan", "NaN", "1e400", "-4", "-3", "-0.5"]
)
def test_parse_retry_after_refuses_infinite_nan_and_negative(value: str) -> None:
    assert parse_retry_after({"retry-after": value}) is None
    assert parse_retry_after({"retry-after-ms": value}) is None


@pytest.mark.parametrize("headers", [{}, {"retry-after": "soon"}, {"retry-after": ""}])
def test_parse_retry_after_missing_or_unreadable_is_none(headers: dict[str, str]) -> None:
    assert parse_retry_after(headers) is None


def test_parse_retry_after_header_names_in_any_case() -> None:
    assert parse_retry_after({"Retry-After": "12"}) == 12.0
    assert parse_retry_after({"Retry-After-Ms": "500", "RETRY-AFTER": "9"}) == 0.5
    assert parse_retry_after(httpx2.Headers({"Retry-After-MS": "750"})) == 0.75
