"""Field types shared by the API's request bodies."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from storyreel.domain.text import MAX_STYLE_CHARS, MAX_TEXT_CHARS

# At least one character that Python does not strip: the library refuses blank text, and
# saying so in the schema keeps clients (and schema-driven tests) from sending it.
VISIBLE = r"[^\s\x1c-\x1f]"

Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS, pattern=VISIBLE)]
Style = Annotated[str | None, Field(max_length=MAX_STYLE_CHARS)]
