"""Flat JSON schemas from pydantic models, as strict structured-output requests want them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

# Annotations providers ignore or reject; string length bounds move into the description.
_DROPPED_KEYS = frozenset({"title", "default", "discriminator", "examples"})

# What Gemini-backed providers accept, per Google's structured-output schema (an OpenAPI
# subset): ``enum`` holds strings only, and ``format`` only these values for each type.
# Anything else is refused with a 400 ("only allowed for STRING type"), so it never goes out:
# flat_schema moves it into the description and pydantic enforces it after the reply.
GEMINI_FORMATS: Mapping[str, frozenset[str]] = {
    "string": frozenset({"date-time", "date", "time"}),
    "integer": frozenset({"int32", "int64"}),
    "number": frozenset({"float", "double"}),
}


def gemini_problems(schema: Any, path: str = "$") -> list[str]:
    """What in ``schema`` a Gemini-backed provider refuses, one line per place (none: [])."""
    if isinstance(schema, list):
        return [p for i, item in enumerate(schema) for p in gemini_problems(item, f"{path}[{i}]")]
    if not isinstance(schema, Mapping):
        return []
    problems: list[str] = []
    kind = schema.get("type")
    enum = schema.get("enum")
    if enum is not None and (kind != "string" or not all(isinstance(v, str) for v in enum)):
        problems.append(f"{path}: enum of non-strings {enum!r}")
    if "const" in schema:
        problems.append(f"{path}: const")
    fmt = schema.get("format")
    if fmt is not None and fmt not in GEMINI_FORMATS.get(str(kind), frozenset()):
        problems.append(f"{path}: format {fmt!r} for type {kind!r}")
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, Mapping):
            # A mapping of names to schemas: a property may well be called "format".
            for name, sub in value.items():
                problems.extend(gemini_problems(sub, f"{path}.{name}"))
        elif key not in ("enum", "const", "format"):
            problems.extend(gemini_problems(value, f"{path}.{key}"))
    return problems


def flat_schema(
    model: type[BaseModel], *, arrays: Mapping[str, tuple[int, int]] | None = None
) -> dict[str, Any]:
    """``model``'s JSON schema with every ``$ref`` inlined, closed objects, all keys required.

    Length bounds of strings move into the description (not every provider accepts them);
    ``arrays`` sets ``minItems``/``maxItems`` of top-level array properties.
    """
    raw = model.model_json_schema()
    defs = raw.pop("$defs", {})
    schema: dict[str, Any] = _inline(raw, defs, depth=0)
    for name, (low, high) in (arrays or {}).items():
        schema["properties"][name].update(minItems=low, maxItems=high)
    return schema


def _inline(node: Any, defs: Mapping[str, Any], depth: int) -> Any:
    if depth > 32:
        raise ValueError("recursive models cannot be sent as a flat schema")
    if isinstance(node, list):
        return [_inline(item, defs, depth + 1) for item in node]
    if not isinstance(node, Mapping):
        return node
    if "$ref" in node:
        target = defs[str(node["$ref"]).rsplit("/", 1)[-1]]
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        return _inline({**target, **siblings}, defs, depth + 1)
    if "allOf" in node and len(node["allOf"]) == 1:
        rest = {key: value for key, value in node.items() if key != "allOf"}
        return _inline({**node["allOf"][0], **rest}, defs, depth + 1)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED_KEYS or key in ("minLength", "maxLength") or _refused(node, key):
            continue
        if key == "properties":
            out[key] = {name: _inline(sub, defs, depth + 1) for name, sub in value.items()}
        else:
            out[key] = _inline(value, defs, depth + 1)
    notes = " ".join(note for note in (_length_note(node), _refused_note(node)) if note)
    if notes:
        out["description"] = f"{out.get('description', '')} {notes}".strip()
    if "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def _length_note(node: Mapping[str, Any]) -> str:
    high = node.get("maxLength")
    return f"At most {high} characters." if isinstance(high, int) else ""


def _refused(node: Mapping[str, Any], key: str) -> bool:
    """Whether ``key`` of ``node`` is one of the constructs :data:`GEMINI_FORMATS` rules out."""
    if key not in ("enum", "const", "format") or key not in node:
        return False
    return bool(gemini_problems({key: node[key], "type": node.get("type")}))


def _refused_note(node: Mapping[str, Any]) -> str:
    notes = []
    if _refused(node, "enum"):
        notes.append("One of: " + ", ".join(str(v) for v in node["enum"]) + ".")
    if _refused(node, "const"):
        notes.append(f"Always {node['const']}.")
    if _refused(node, "format"):
        notes.append(f"Format: {node['format']}.")
    return " ".join(notes)
