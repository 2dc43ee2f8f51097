"""Checks on the free text callers hand to storyreel (ideas, topics, prompts, styles)."""

from __future__ import annotations

from storyreel.domain.limits import MAX_STYLE_CHARS, MAX_TEXT_CHARS, MAX_VIDEO_PROMPT_CHARS
from storyreel.errors import InputError

# Re-exported: these limits were first defined here.
__all__ = [
    "MAX_STYLE_CHARS",
    "MAX_TEXT_CHARS",
    "MAX_VIDEO_PROMPT_CHARS",
    "checked_text",
    "optional_text",
]


def checked_text(value: object, what: str, limit: int = MAX_TEXT_CHARS) -> str:
    """``value`` stripped; an InputError when it is not text, blank, too long, or not
    encodable (a lone surrogate, as Python makes from a non-UTF-8 byte on the command line)."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} is empty; give a few words")
    text = value.strip()
    if len(text) > limit:
        raise InputError(f"{what} is {len(text)} characters long; the limit is {limit}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(f"{what} holds bytes that are not valid UTF-8 text") from None
    return text


def optional_text(value: str | None, what: str, limit: int) -> str | None:
    """:func:`checked_text`, with ``None`` or blank meaning "not given"."""
    return None if value is None or not value.strip() else checked_text(value, what, limit)
