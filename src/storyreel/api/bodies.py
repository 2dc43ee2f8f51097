"""Request bodies that cannot be read at all, told apart from bodies whose values are refused.

FastAPI reports both as one validation error. The API answers a body that is not JSON with 400
and one sent under another content type with 415, keeping 422 for values it read and refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

JSON_CONTENT_TYPE = "application/json"


def unreadable_body(errors: Sequence[Mapping[str, Any]]) -> tuple[int, str] | None:
    """``(status, detail)`` when FastAPI's validation ``errors`` say that the body could not
    be read as JSON; ``None`` when it was read and its values are what is wrong."""
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if error.get("type") == "json_invalid":
            where = f" at character {loc[1]}" if len(loc) > 1 else ""
            reason = str((error.get("ctx") or {}).get("error", "JSON decode error"))
            return 400, f"the request body is not valid JSON ({reason}{where}): send a JSON object"
        if loc == ("body",) and isinstance(error.get("input"), bytes | bytearray):
            # FastAPI hands the raw bytes on when the content type does not say JSON.
            return (
                415,
                f"the request body must be JSON: send it with Content-Type: {JSON_CONTENT_TYPE}",
            )
    return None


__all__ = ["JSON_CONTENT_TYPE", "unreadable_body"]
