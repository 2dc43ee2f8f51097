"""Builds a JSON value that validates against a JSON schema, with text about the prompt.

Covers what structured-output schemas use: objects, arrays, enums, const,
string/number bounds, nullable unions, ``$defs``/``$ref`` (recursion stops by
preferring null branches, empty arrays and required-only objects once nested
deeply), ``allOf`` merges, and Google's upper-case OpenAPI-style types.
``pattern`` is not honoured: no general way to satisfy a regular expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from storyreel.emulator.narration_budget import fit_narrations
from storyreel.emulator.numbers import integer_for, number_for, within
from storyreel.emulator.strings import string_for
from storyreel.emulator.tale_fields import item_number
from storyreel.emulator.text import seeded

Schema = Mapping[str, Any]

_DEEP: Final = 5
_LIMIT: Final = 40
_COMPOUND: Final = ("anyOf", "oneOf")


def fill(schema: Schema | bool, prompt: str) -> Any:
    """A value valid under ``schema``, deterministic for (schema, prompt)."""
    root: Schema = schema if isinstance(schema, Mapping) else {}
    # Like a model told a reading rate, narrations are kept short enough for their clips.
    return fit_narrations(_Filler(root, prompt).value(schema, "", "$", 0), prompt)


def _as_int(value: Any) -> int | None:
    # Google's proto JSON may send int64 bounds such as minItems as strings.
    return None if value is None else int(value)


def _singular(name: str) -> str:
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name


class _Filler:
    def __init__(self, root: Schema, prompt: str) -> None:
        self._root = root
        self._prompt = prompt
        # Each array's length by path: an item's text may depend on how many there are.
        self._sizes: dict[str, int] = {}

    def _pointer(self, ref: str) -> Schema:
        if not ref.startswith("#"):
            raise ValueError(f"only local $ref values are supported, got {ref!r}")
        node: Any = self._root
        for token in filter(None, ref[1:].split("/")):
            node = node[token.replace("~1", "/").replace("~0", "~")]
        return node if isinstance(node, Mapping) else {}

    def _resolve(self, schema: Schema) -> Schema:
        seen = 0
        while "$ref" in schema and seen < _LIMIT:
            siblings = {key: value for key, value in schema.items() if key != "$ref"}
            schema = {**self._pointer(str(schema["$ref"])), **siblings}
            seen += 1
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self._resolve(part) if isinstance(part, Mapping) else {}
                props = {**merged.get("properties", {}), **part.get("properties", {})}
                required = [*merged.get("required", []), *part.get("required", [])]
                merged.update(part)
                if props:
                    merged["properties"] = props
                if required:
                    merged["required"] = list(dict.fromkeys(required))
            schema = merged
        return schema

    def value(self, raw: Schema | bool, name: str, path: str, depth: int) -> Any:
        if not isinstance(raw, Mapping):
            return string_for(name, self._prompt, path, sizes=self._sizes) if raw else None
        schema = self._resolve(raw)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            options = list(schema["enum"]) or [None]
            non_null = [option for option in options if option is not None] or options
            return non_null[seeded(self._prompt, path).randrange(len(non_null))]
        for key in _COMPOUND:
            if key in schema:
                return self.value(self._branch(schema, key, depth), name, path, depth)
        kind = self._type(schema)
        if kind == "object":
            return self._object(schema, path, depth)
        if kind == "array":
            return self._array(schema, name, path, depth)
        if kind == "integer":
            number = item_number(name, path, self._sizes)
            if number is not None and within(schema, number):
                return number
            return integer_for(schema, name, seeded(self._prompt, path))
        if kind == "number":
            return number_for(schema, seeded(self._prompt, path))
        if kind == "boolean":
            return seeded(self._prompt, path).random() < 0.5
        if kind == "null":
            return None
        return string_for(name, self._prompt, path, schema, self._sizes)

    def _branch(self, schema: Schema, key: str, depth: int) -> Schema:
        branches = [self._resolve(b) if isinstance(b, Mapping) else {} for b in schema[key]]
        nulls = [b for b in branches if self._type(b) == "null"]
        others = [b for b in branches if self._type(b) != "null"]
        chosen = nulls[0] if nulls and (depth >= _DEEP or not others) else (others or [{}])[0]
        outer = {k: v for k, v in schema.items() if k not in (key, "default", "type")}
        return {**outer, **chosen}

    @staticmethod
    def _type(schema: Schema) -> str:
        declared = schema.get("type")
        if isinstance(declared, list):
            named = [str(t).lower() for t in declared]
            declared = next((t for t in named if t != "null"), named[0] if named else None)
        if isinstance(declared, str):
            return declared.lower()
        if "properties" in schema or "required" in schema or "additionalProperties" in schema:
            return "object"
        if "items" in schema or "prefixItems" in schema or "minItems" in schema:
            return "array"
        if "minimum" in schema or "maximum" in schema:
            return "number"
        return "string"

    def _object(self, schema: Schema, path: str, depth: int) -> dict[str, Any]:
        props: Mapping[str, Any] = schema.get("properties") or {}
        required = [str(key) for key in schema.get("required") or []]
        extra = schema.get("additionalProperties", True)
        keys = list(props) if depth < _DEEP else [key for key in props if key in required]
        order = [key for key in schema.get("propertyOrdering") or [] if key in keys]
        keys = order + [key for key in keys if key not in order]
        keys += [key for key in required if key not in keys]
        wanted = _as_int(schema.get("minProperties")) or 0
        if extra is not False:
            keys += [f"extra_{index}" for index in range(max(0, wanted - len(keys)))]
        cap = _as_int(schema.get("maxProperties"))
        if cap is not None and len(keys) > cap:
            keys = [key for key in keys if key in required] + [
                key for key in keys if key not in required
            ]
            keys = keys[: max(cap, len(required))]
        fallback: Schema | bool = extra if isinstance(extra, Mapping) else {"type": "string"}
        return {
            key: self.value(props.get(key, fallback), key, f"{path}.{key}", depth + 1)
            for key in keys
        }

    def _array(self, schema: Schema, name: str, path: str, depth: int) -> list[Any]:
        low = _as_int(schema.get("minItems")) or 0
        high = _as_int(schema.get("maxItems"))
        prefix = list(schema.get("prefixItems") or [])
        items: Any = schema.get("items", {})
        if isinstance(items, list):
            prefix, items = items, schema.get("additionalItems", {})
        # Fewer items further down keeps recursive schemas (trees of nodes) small.
        count = max(low, 3 if depth < 2 else 1 if depth < _DEEP else 0)
        if items is False:
            count = min(count, len(prefix))
        if high is not None:
            count = min(count, high)
        item_name = _singular(name)
        self._sizes[path] = count
        values: list[Any] = []
        for index in range(count):
            sub = prefix[index] if index < len(prefix) else items
            values.append(self.value(sub, item_name, f"{path}[{index}]", depth + 1))
        if schema.get("uniqueItems"):
            values = self._distinct(values, items, item_name, path, depth, low)
        return values

    def _distinct(
        self, values: list[Any], items: Any, name: str, path: str, depth: int, low: int
    ) -> list[Any]:
        unique: list[Any] = []
        for index, item in enumerate(values):
            attempt = 0
            while item in unique and attempt < 8:
                attempt += 1
                item = self.value(items, name, f"{path}[{index}]~{attempt}", depth + 1)
            if item not in unique:
                unique.append(item)
        return unique if len(unique) >= low else values
