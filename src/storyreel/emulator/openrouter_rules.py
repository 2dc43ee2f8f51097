"""What OpenRouter adds to the OpenAI protocol, as the emulator plays it: provider routing
preferences, Gemini-backed providers' refusal of some schemas, errors that name the upstream
provider (also inside a 200 reply), and the cost of each reply."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from starlette.responses import Response

from storyreel.emulator.chat import ChatRequestError
from storyreel.emulator.responses import error_object, openai_error

# The upstream provider named in errors: the emulator plays one for every model.
UPSTREAM: Final = "Emulator"
GEMINI_UPSTREAM: Final = "Google AI Studio"
# What Google's structured-output schema (an OpenAPI subset) accepts: ``enum`` of strings
# only, and ``format`` only these values for each type.
_FORMATS: Final[Mapping[str, frozenset[str]]] = {
    "string": frozenset({"date-time", "date", "time"}),
    "integer": frozenset({"int32", "int64"}),
    "number": frozenset({"float", "double"}),
}
# USD per million prompt and completion tokens; other models cost the first entry's price.
_PRICES: Final[Mapping[str, tuple[float, float]]] = {
    "google/gemini-2.5-flash": (0.30, 2.50),
    "openai/gpt-4o-mini": (0.15, 0.60),
    "openai/gpt-4.1": (2.00, 8.00),
    "anthropic/claude-sonnet-4.5": (3.00, 15.00),
    "meta-llama/llama-3.3-70b-instruct": (0.10, 0.32),
}
_PROVIDER_BOOLEANS: Final = ("require_parameters", "allow_fallbacks")


def read_provider(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The request's ``provider`` routing preferences, checked as OpenRouter checks them."""
    provider = payload.get("provider")
    if provider is None:
        return None
    if not isinstance(provider, dict):
        raise ChatRequestError("'provider' must be an object")
    for key in _PROVIDER_BOOLEANS:
        if key in provider and not isinstance(provider[key], bool):
            raise ChatRequestError(f"'provider.{key}' must be a boolean")
    return provider


def schema_problems(schema: Any, path: str = "") -> list[str]:
    """The places in ``schema`` that Google's schema subset does not allow."""
    if isinstance(schema, list):
        return [p for i, item in enumerate(schema) for p in schema_problems(item, f"{path}[{i}]")]
    if not isinstance(schema, Mapping):
        return []
    problems: list[str] = []
    kind = schema.get("type")
    enum = schema.get("enum")
    if enum is not None and (kind != "string" or not all(isinstance(v, str) for v in enum)):
        problems.append(f"{path or '.'}: enum is only allowed for STRING type")
    if "const" in schema:
        problems.append(f"{path or '.'}: const is not supported")
    fmt = schema.get("format")
    if fmt is not None and fmt not in _FORMATS.get(str(kind), frozenset()):
        problems.append(f"{path or '.'}: format {fmt!r} is not supported for type {kind!r}")
    for key, value in schema.items():
        if key in ("properties", "$defs") and isinstance(value, Mapping):
            for name, sub in value.items():
                problems.extend(schema_problems(sub, f"{path}.{name}"))
        elif key not in ("enum", "const", "format"):
            problems.extend(schema_problems(value, path))
    return problems


def schema_refusal(model: str, response_format: Any) -> Response | None:
    """The 400 a Gemini-backed provider answers for a schema outside its subset, or None."""
    if not model.startswith("google/") or not isinstance(response_format, Mapping):
        return None
    spec = response_format.get("json_schema")
    problems = schema_problems(spec.get("schema")) if isinstance(spec, Mapping) else []
    if not problems:
        return None
    detail = "; ".join(problems[:3])
    raw = google_body(400, f"Invalid JSON payload received. {detail}", "INVALID_ARGUMENT")
    return openai_error(400, "Provider returned error", provider_name=GEMINI_UPSTREAM, raw=raw)


def google_body(code: int, message: str, status: str) -> str:
    return json.dumps({"error": {"code": code, "message": message, "status": status}})


def upstream_error(status: int, message: str, *, retry_after_s: float | None = None) -> Response:
    """An injected status fault: OpenRouter's own refusals (4xx but 408 and 429) come bare;
    a failure of the upstream provider names it and carries the provider's body."""
    if status < 500 and status not in (408, 429):
        return openai_error(status, message, retry_after_s=retry_after_s)
    raw = google_body(status, message, "UNAVAILABLE" if status >= 500 else "RESOURCE_EXHAUSTED")
    return openai_error(
        status,
        "Provider returned error",
        retry_after_s=retry_after_s,
        provider_name=UPSTREAM,
        raw=raw,
    )


def failed_reply(code: int) -> dict[str, Any]:
    """The 200 body OpenRouter sends when the provider failed after the request was
    accepted: an error object where the completion would be."""
    raw = google_body(code, "The model is overloaded. Please try again later.", "UNAVAILABLE")
    return {"error": error_object(code, "Provider returned error", provider_name=UPSTREAM, raw=raw)}


def fail_choices(completion: dict[str, Any], code: int) -> None:
    """Turn ``completion``'s choices into ones the provider broke off: no content,
    ``finish_reason: "error"`` and the error in the choice, as OpenRouter reports it."""
    error = failed_reply(code)["error"]
    for choice in completion["choices"]:
        choice["message"] = {"role": "assistant", "content": "", "refusal": None}
        choice["finish_reason"] = "error"
        choice["native_finish_reason"] = "error"
        choice["error"] = error


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float:
    """What the reply costs, as OpenRouter reports it in ``usage.cost``."""
    prompt, completion = _PRICES.get(model, next(iter(_PRICES.values())))
    return round((prompt_tokens * prompt + completion_tokens * completion) / 1e6, 10)
