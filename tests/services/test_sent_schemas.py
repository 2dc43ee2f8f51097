"""Every JSON schema storyreel sends holds nothing a Gemini-backed provider refuses."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError

from storyreel.containers import Container
from storyreel.services.openrouter.json_schema import GEMINI_FORMATS, flat_schema, gemini_problems
from storyreel.testing.fake_openai import RecordingOpenAI

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def sent_schemas(container: Container, tmp_path: Path) -> dict[str, dict[str, Any]]:
    """Each writing operation run once against a recording client: its schema by name."""
    fake = RecordingOpenAI()
    container.async_openai_client.override(fake)
    service = container.writing_service()
    image = tmp_path / "hero.png"
    image.write_bytes(PNG)
    await service.story("a heron fishing at dawn", segments=2)
    await service.meme("mondays")
    for format in ("post", "thread", "script", "caption"):
        await service.content("why herons stand still", format=format)
    await service.trending_ideas("birdwatching", count=2)
    await service.characters([image])
    return {
        call["response_format"]["json_schema"]["name"]: call["response_format"]["json_schema"][
            "schema"
        ]
        for call in fake.calls
    }


async def test_every_schema_sent_is_one_gemini_accepts(
    container: Container, tmp_path: Path
) -> None:
    schemas = await sent_schemas(container, tmp_path)
    assert set(schemas) == {
        "story",
        "meme",
        "post",
        "thread",
        "script",
        "caption",
        "trending_ideas",
        "character_profiles",
    }
    for name, schema in schemas.items():
        assert gemini_problems(schema) == [], name


class Shot(BaseModel):
    seconds: Literal[4, 6, 8]
    kind: Literal["wide", "close"]
    shot_on: str = Field(json_schema_extra={"format": "date"})
    contact: str = Field(json_schema_extra={"format": "email"})
    weight: float = Field(json_schema_extra={"format": "decimal"})


def test_gemini_problems_names_integer_enums_and_unsupported_formats() -> None:
    problems = gemini_problems(Shot.model_json_schema())
    assert problems == [
        "$.seconds: enum of non-strings [4, 6, 8]",
        "$.contact: format 'email' for type 'string'",
        "$.weight: format 'decimal' for type 'number'",
    ]
    assert "date" in GEMINI_FORMATS["string"]


def test_flat_schema_moves_refused_constructs_into_the_description() -> None:
    schema = flat_schema(Shot)
    assert gemini_problems(schema) == []
    properties = schema["properties"]
    assert properties["seconds"] == {"type": "integer", "description": "One of: 4, 6, 8."}
    assert properties["kind"]["enum"] == ["wide", "close"]  # string enums are accepted
    assert properties["shot_on"]["format"] == "date"
    assert properties["contact"]["description"] == "Format: email."
    # pydantic still enforces what the schema no longer says.
    with pytest.raises(ValidationError):
        Shot.model_validate(
            {"seconds": 5, "kind": "wide", "shot_on": "x", "contact": "a", "weight": 1.0}
        )
