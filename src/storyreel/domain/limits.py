"""Every limit on what callers hand to storyreel, and the checks the use cases apply once.

The API's request models read the same numbers, so that its OpenAPI document states them;
the CLI states them in its help. Neither checks them again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, TypeVar, get_args

from storyreel.errors import InputError

T = TypeVar("T")

# Clip lengths Veo accepts, in seconds.
VeoDuration = Literal[4, 6, 8]
VEO_DURATIONS: tuple[int, ...] = get_args(VeoDuration)

MAX_SEGMENTS = 20
DEFAULT_SEGMENTS = 5
# Characters a caller may give for one story (the CLI, the API and the library alike).
MAX_CHARACTERS = 10
MAX_IDEAS = 20
DEFAULT_IDEAS = 5

MAX_TEXT_CHARS = 4000
MAX_STYLE_CHARS = 300
# A clip prompt carries its characters' descriptions verbatim, so it may be far longer than an
# idea; the bound only keeps a runaway input from being sent.
MAX_VIDEO_PROMPT_CHARS = 20_000
MAX_TITLE_CHARS = 200
MAX_LOGLINE_CHARS = 600
MAX_NAME_CHARS = 80
MAX_DESCRIPTION_CHARS = 600


def check_count(value: object, what: str, high: int) -> int:
    """``value`` when it is a whole number from 1 to ``high``; an InputError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        raise InputError(f"{what} must be a whole number from 1 to {high}, got {value!r}")
    return value


def check_segments(value: object) -> int:
    """The number of segments (clips) of a story: 1 to :data:`MAX_SEGMENTS`."""
    return check_count(value, "segments", MAX_SEGMENTS)


def check_duration(value: object) -> int:
    """A clip length Veo accepts (:data:`VEO_DURATIONS`), in seconds."""
    if isinstance(value, int) and not isinstance(value, bool) and value in VEO_DURATIONS:
        return value
    *most, last = VEO_DURATIONS
    allowed = f"{', '.join(map(str, most))} or {last}"
    raise InputError(f"duration_seconds must be {allowed}, got {value!r}")


def check_characters(characters: Sequence[T]) -> list[T]:
    """The characters given for one story, at most :data:`MAX_CHARACTERS` of them."""
    if len(characters) > MAX_CHARACTERS:
        raise InputError(f"give at most {MAX_CHARACTERS} characters, got {len(characters)}")
    return list(characters)
