"""schema_fill: replies validate against the schema and read as text about the prompt.

Validation uses ``jsonschema_rs``, which the dev extra already brings in through schemathesis.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Literal

import jsonschema_rs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from storyreel.emulator.schema_fill import fill
from storyreel.emulator.text import keywords

PROMPT = "A lighthouse keeper befriends the storm that keeps knocking on her door"


def _valid(schema: dict[str, Any], value: Any) -> None:
    errors = [error.message for error in jsonschema_rs.validator_for(schema).iter_errors(value)]
    assert not errors, (errors, value)


def _names() -> st.SearchStrategy[str]:
    return st.sampled_from(
        ["title", "visual_prompt", "narration", "hashtags", "mood", "id", "url", "count", "x"]
    )


def _leaf() -> st.SearchStrategy[dict[str, Any]]:
    bounds = st.integers(min_value=-50, max_value=50)

    def string(low: int, span: int, fmt: str | None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string", "minLength": low, "maxLength": low + span}
        if fmt:
            schema = {"type": "string", "format": fmt}
        return schema

    def integer(low: int, span: int, exclusive: bool, step: int | None) -> dict[str, Any]:
        if step is not None:
            return {"type": "integer", "multipleOf": step, "minimum": low, "maximum": low + step}
        if exclusive:
            return {"type": "integer", "exclusiveMinimum": low, "exclusiveMaximum": low + span + 2}
        return {"type": "integer", "minimum": low, "maximum": low + span}

    def number(low: float, span: float, exclusive: bool) -> dict[str, Any]:
        if exclusive:
            return {
                "type": "number",
                "exclusiveMinimum": low,
                "exclusiveMaximum": low + span + 0.01,
            }
        return {"type": "number", "minimum": low, "maximum": low + span}

    return st.one_of(
        st.builds(
            string,
            st.integers(0, 80),
            st.integers(0, 200),
            st.sampled_from([None, None, "date-time", "date", "email", "uri", "uuid"]),
        ),
        st.builds(
            integer,
            bounds,
            st.integers(0, 30),
            st.booleans(),
            st.sampled_from([None, None, 2, 5, 7]),
        ),
        st.builds(
            number,
            st.floats(-100, 100, allow_nan=False),
            # Tiny spans are where rounding would step outside an exclusive bound.
            st.sampled_from([0.0, 0.003, 0.5, 7.25, 50.0]),
            st.booleans(),
        ),
        st.just({"type": "boolean"}),
        st.just({"type": "null"}),
        st.just({"type": ["string", "null"], "maxLength": 12}),
        st.builds(
            lambda values: {"enum": values},
            st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=4, unique=True),
        ),
        st.builds(lambda value: {"const": value}, st.integers() | st.text(max_size=5)),
    )


def _extend(children: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    def obj(props: dict[str, dict[str, Any]], closed: bool, required_all: bool) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": props}
        schema["required"] = list(props) if required_all else list(props)[:1]
        if closed:
            schema["additionalProperties"] = False
        return schema

    def arr(item: dict[str, Any], low: int, span: int) -> dict[str, Any]:
        return {"type": "array", "items": item, "minItems": low, "maxItems": low + span}

    return st.one_of(
        st.builds(
            obj,
            st.dictionaries(_names(), children, max_size=4),
            st.booleans(),
            st.booleans(),
        ),
        st.builds(arr, children, st.integers(0, 4), st.integers(0, 4)),
        st.builds(lambda child: {"anyOf": [child, {"type": "null"}]}, children),
    )


def _by_reference(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "$defs": {"Item": schema},
        "properties": {"item": {"$ref": "#/$defs/Item"}},
        "required": ["item"],
    }


SCHEMAS = st.recursive(_leaf(), _extend, max_leaves=12)
SCHEMAS = SCHEMAS | SCHEMAS.map(_by_reference)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema=SCHEMAS, prompt=st.sampled_from([PROMPT, "", "цветы и море", "42 !!"]))
def test_fill_validates_for_generated_schemas(schema: dict[str, Any], prompt: str) -> None:
    _valid(schema, fill(schema, prompt))


@settings(max_examples=30, deadline=None)
@given(schema=SCHEMAS)
def test_fill_is_deterministic(schema: dict[str, Any]) -> None:
    assert fill(schema, PROMPT) == fill(schema, PROMPT)


class Mood(StrEnum):
    calm = "calm"
    tense = "tense"


class Shot(BaseModel):
    visual_prompt: str = Field(min_length=30, max_length=300)
    seconds: int = Field(ge=4, le=8)
    mood: Mood


class Node(BaseModel):
    name: str
    children: list[Node] = Field(default_factory=list)
    parent: Node | None = None


class Film(BaseModel):
    title: str = Field(max_length=40)
    kind: Literal["short"]
    shots: list[Shot] = Field(min_length=3, max_length=3)
    ratio: float = Field(gt=0, lt=1)
    tree: Node


def test_fill_pydantic_schema_with_refs_and_recursion() -> None:
    schema = Film.model_json_schema()
    film = Film.model_validate(fill(schema, PROMPT))
    _valid(schema, film.model_dump(mode="json"))
    assert len(film.shots) == 3
    words = set(keywords(PROMPT))
    for shot in film.shots:
        assert shot.visual_prompt != "string"
        assert words & set(shot.visual_prompt.lower().replace(",", " ").split())


def test_fill_strings_follow_the_property_name() -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "visual_prompt": {"type": "string"},
            "hashtags": {"type": "array", "items": {"type": "string"}},
        },
    }
    value = fill(schema, PROMPT)
    assert len(value["title"].split()) <= 6
    assert value["title"][0].isupper()
    assert len(value["visual_prompt"].split()) > 8
    assert all(tag.startswith("#") and " " not in tag for tag in value["hashtags"])


def test_fill_google_style_uppercase_schema() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {
            "caption": {"type": "STRING"},
            "scores": {"type": "ARRAY", "items": {"type": "INTEGER"}, "minItems": "2"},
        },
        "propertyOrdering": ["scores", "caption"],
    }
    value = fill(schema, PROMPT)
    assert list(value) == ["scores", "caption"]
    assert len(value["scores"]) >= 2
    assert all(isinstance(score, int) for score in value["scores"])
