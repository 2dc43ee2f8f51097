"""Times as every interface shows them: ISO 8601 in UTC with a ``Z``, to the second."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import PlainSerializer, WithJsonSchema


def iso_utc(moment: datetime) -> str:
    """``2026-12-02T21:04:05Z``; a time without a zone is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# A datetime field that reads in JSON exactly as the command line prints it.
UtcTimestamp = Annotated[
    datetime,
    PlainSerializer(iso_utc, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

__all__ = ["UtcTimestamp", "iso_utc"]
