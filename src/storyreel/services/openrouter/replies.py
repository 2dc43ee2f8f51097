"""Reading a chat completion OpenRouter sent with HTTP 200: its usage and cost, and the
provider failures it can carry instead of a reply."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from storyreel.domain.story import Usage
from storyreel.services.openrouter.errors import reply_error

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion

    from storyreel.errors import ProviderError


def usage_of(response: ChatCompletion) -> Usage:
    """The tokens one response reports (zero when the provider sent no usage), and its
    ``usage.cost`` (what OpenRouter charged, in USD) when present."""
    if response.usage is None:
        return Usage()
    extra = response.usage.model_extra or {}
    cost = extra.get("cost")
    known: float | None = None
    if isinstance(cost, int | float) and not isinstance(cost, bool):
        known = float(cost) if math.isfinite(cost) and cost >= 0 else None
    return Usage(
        prompt_tokens=response.usage.prompt_tokens,
        completion_tokens=response.usage.completion_tokens,
        cost_usd=known,
    )


def reply_failure(response: ChatCompletion, model: str) -> ProviderError | None:
    """The provider failure a 200 reports, if any.

    OpenRouter answers 200 once a provider has started on the request; when the provider
    then fails, the body is ``{"error": {...}}`` instead of a completion, or the choice ends
    with ``finish_reason: "error"`` and carries the ``error``. Either is a failed call, not
    a reply to repair: a repair request would be a second paid call that cannot help.
    """
    top = (response.model_extra or {}).get("error")
    if top is not None:
        return reply_error(top, model=model)
    for choice in response.choices or ():
        # Outside the SDK's Literal: the SDK does not validate what it reads.
        if str(choice.finish_reason) == "error" or (choice.model_extra or {}).get("error"):
            return reply_error((choice.model_extra or {}).get("error"), model=model)
    return None
