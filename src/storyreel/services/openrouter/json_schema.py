"""Flat JSON schemas from pydantic models, as strict structured-output requests want them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

# Annotations providers ignore or reject; string length bounds move into the description.
_DROPPED_KEYS = frozenset({"title", "default", "discriminator", "examples"})


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
        if key in _DROPPED_KEYS or key in ("minLength", "maxLength"):
            continue
        if key == "properties":
            out[key] = {name: _inline(sub, defs, depth + 1) for name, sub in value.items()}
        else:
            out[key] = _inline(value, defs, depth + 1)
    bounds = _length_note(node)
    if bounds:
        out["description"] = f"{out.get('description', '')} {bounds}".strip()
    if "properties" in out:
        out["additionalProperties"] = False
        out["required"] = list(out["properties"])
    return out


def _length_note(node: Mapping[str, Any]) -> str:
    high = node.get("maxLength")
    return f"At most {high} characters." if isinstance(high, int) else ""
