"""Field types shared by the API's request bodies.

Their bounds are storyreel's input limits (:mod:`storyreel.domain.limits`), stated in the
OpenAPI document and refused with a 422 before a route runs; the use cases check them too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from storyreel.domain.limits import (
    MAX_CHARACTERS,
    MAX_IDEAS,
    MAX_SEGMENTS,
    MAX_STYLE_CHARS,
    MAX_TEXT_CHARS,
    VeoDuration,
)
from storyreel.domain.story import Character

# At least one character that Python does not strip: the library refuses blank text, and
# saying so in the schema keeps clients (and schema-driven tests) from sending it.
VISIBLE = r"[^\s\x1c-\x1f]"

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=VISIBLE)]
Style = Annotated[str | None, Field(max_length=MAX_STYLE_CHARS)]
Segments = Annotated[int, Field(ge=1, le=MAX_SEGMENTS)]
IdeaCount = Annotated[int, Field(ge=1, le=MAX_IDEAS)]
Characters = Annotated[list[Character], Field(max_length=MAX_CHARACTERS)]
Duration = VeoDuration | None
# An uploaded piece of music (POST /v1/music): the start of its SHA-256 and its suffix.
MusicName = Annotated[str, Field(pattern=r"^[0-9a-f]{24}\.[a-z0-9]{1,5}$")]
