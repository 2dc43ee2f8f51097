"""flat_schema: pydantic schemas made flat and strict for structured-output requests."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, Field

from storyreel.services.openrouter.json_schema import flat_schema
from storyreel.services.openrouter.models import StoryDraft


class Leaf(BaseModel):
    label: str = Field(max_length=30, description="A label.")
    kind: Literal["a", "b"] = "a"


class Branch(BaseModel):
    leaves: list[Leaf]
    best: Leaf
    note: str | None = None


def test_flat_schema_inlines_refs_and_closes_objects() -> None:
    schema = flat_schema(Branch)
    text = json.dumps(schema)
    assert "$ref" not in text
    assert "$defs" not in text
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["leaves", "best", "note"]  # optional fields required too
    leaf = schema["properties"]["leaves"]["items"]
    assert leaf == schema["properties"]["best"]
    assert leaf["additionalProperties"] is False
    assert leaf["required"] == ["label", "kind"]
    assert leaf["properties"]["kind"]["enum"] == ["a", "b"]


def test_flat_schema_moves_length_bounds_into_the_description() -> None:
    label = flat_schema(Leaf)["properties"]["label"]
    assert "maxLength" not in label
    assert "title" not in label
    assert label["description"] == "A label. At most 30 characters."


def test_flat_schema_keeps_nullable_fields_as_any_of() -> None:
    note = flat_schema(Branch)["properties"]["note"]
    assert {"type": "null"} in note["anyOf"]
    assert "default" not in note


def test_flat_schema_sets_array_sizes() -> None:
    schema = flat_schema(StoryDraft, arrays={"segments": (4, 4)})
    assert schema["properties"]["segments"]["minItems"] == 4
    assert schema["properties"]["segments"]["maxItems"] == 4
    assert "minItems" not in flat_schema(StoryDraft)["properties"]["segments"]
