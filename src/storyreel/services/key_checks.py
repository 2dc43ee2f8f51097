"""Whether each provider takes storyreel's credentials, by one free call each: OpenRouter's
key endpoint and a lookup of Google's video model. Nothing is generated, nothing billed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from storyreel.errors import ConfigError, ProviderError
from storyreel.logs import redact
from storyreel.services.google.errors import to_error
from storyreel.services.openrouter.errors import provider_error

if TYPE_CHECKING:
    from google import genai
    from openai import AsyncOpenAI

Outcome = Literal["working", "refused", "unreachable"]
# A check waits this long at most: it is a lookup, not generation.
CHECK_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class KeyCheck:
    """What one provider said: ``working``, ``refused`` (``reason`` says why) or
    ``unreachable`` (no answer, or the service failing). Never holds a key."""

    provider: str
    call: str
    outcome: Outcome
    reason: str

    def to_json(self) -> dict[str, str]:
        return {
            "provider": self.provider,
            "call": self.call,
            "outcome": self.outcome,
            "reason": self.reason,
        }


def _outcome_of(error: ProviderError | ConfigError) -> Outcome:
    if isinstance(error, ConfigError):
        return "refused"
    status = error.status
    if status is None or status >= 500:
        return "unreachable"
    return "refused"


async def check_openrouter(client: AsyncOpenAI) -> KeyCheck:
    """``GET /key`` on OpenRouter: free, and refused with 401 when the key is not valid."""
    import openai

    call = "GET /key"
    quick = client.with_options(max_retries=0, timeout=CHECK_TIMEOUT_S)
    try:
        answer: Any = await quick.get("/key", cast_to=object)
    except openai.OpenAIError as exc:
        error = provider_error(exc, model="the key endpoint")
        return KeyCheck("openrouter", call, _outcome_of(error), redact(str(error)))
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        return KeyCheck("openrouter", call, "unreachable", "the answer was not a key description")
    return KeyCheck("openrouter", call, "working", _credit(data))


def _credit(data: dict[str, Any]) -> str:
    remaining = data.get("limit_remaining")
    tier = "free tier" if data.get("is_free_tier") else "paid account"
    if isinstance(remaining, int | float) and not isinstance(remaining, bool):
        return f"the key is valid ({tier}, {remaining:g} credits left on its limit)"
    return f"the key is valid ({tier}, no credit limit on the key)"


async def check_google(client: genai.Client, model: str) -> KeyCheck:
    """``models.get`` of ``model``: free, and needs the same credentials as using it."""
    call = f"models.get {model}"
    try:
        found = await client.aio.models.get(model=model)
    except Exception as exc:  # classified by to_error, which re-raises programming errors
        error = to_error(exc, what=f"looking up {model}")
        return KeyCheck("google", call, _outcome_of(error), redact(str(error)))
    return KeyCheck("google", call, "working", f"{found.name or model} is available")
