"""JSON-schema chat requests: a flat schema, pydantic validation, exactly one repair request."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from importlib import resources
from string import Template
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from storyreel.domain.story import Usage
from storyreel.errors import ContentBlockedError, StructuredOutputError
from storyreel.services.openrouter.errors import PROVIDER, provider_error
from storyreel.services.openrouter.replies import reply_failure, usage_of

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

logger = logging.getLogger(__name__)

T = TypeVar("T", bound=BaseModel)

EXCERPT_CHARS = 200
_ERROR_CHARS = 1500
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)


class ChatCompletions(Protocol):
    """The one SDK capability the writing service needs: ``chat.completions.create``."""

    async def create(
        self,
        *,
        model: str,
        messages: Iterable[ChatCompletionMessageParam],
        response_format: Any,
        extra_body: Any,
    ) -> ChatCompletion: ...


class ChatNamespace(Protocol):
    @property
    def completions(self) -> ChatCompletions: ...


class ChatClient(Protocol):
    """What an ``AsyncOpenAI`` client offers for chat; fakes implement the same."""

    @property
    def chat(self) -> ChatNamespace: ...


@functools.cache
def _template(name: str) -> Template:
    path = resources.files("storyreel.services.openrouter") / "prompts" / f"{name}.txt"
    return Template(path.read_text(encoding="utf-8"))


def render_prompt(template: str, /, **values: str) -> str:
    """The prompt ``prompts/<template>.txt`` with its ``$placeholders`` filled."""
    return _template(template).substitute(values).strip()


@dataclass(frozen=True)
class StructuredRequest:
    """One structured chat request: which model, which schema, which messages.

    ``require_parameters`` asks OpenRouter to route only to a provider that supports every
    parameter sent, so that the schema is never silently ignored.
    """

    model: str
    name: str
    schema: dict[str, Any]
    messages: list[ChatCompletionMessageParam]
    require_parameters: bool = True

    def extra_body(self) -> dict[str, Any]:
        """OpenRouter's own fields, which the OpenAI SDK sends as they are."""
        return {"provider": {"require_parameters": True}} if self.require_parameters else {}

    def response_format(self) -> dict[str, Any]:
        return {
            "type": "json_schema",
            "json_schema": {"name": self.name, "strict": True, "schema": self.schema},
        }


class _InvalidReply(Exception):
    def __init__(self, reason: str, text: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.text = text


async def complete_structured(
    client: ChatClient,
    request: StructuredRequest,
    draft: type[T],
    check: Callable[[T], None] | None = None,
) -> tuple[T, Usage]:
    """Ask, validate, and on an invalid reply ask once more showing the reply and the error.

    ``check`` adds rules the schema cannot express; it raises ``ValueError``.
    Raises :class:`StructuredOutputError` when the repaired reply is invalid too, and a
    retryable :class:`ProviderError` when OpenRouter reports a provider failure in a 200.
    """
    response = await _create(client, request)
    usage = usage_of(response)
    try:
        return _parse(response, request.model, draft, check), usage
    except _InvalidReply as invalid:
        first = invalid
    logger.info(
        "%s reply from %s invalid (%s); asking for a repair",
        request.name,
        request.model,
        first.reason,
    )
    repair: list[ChatCompletionMessageParam] = [
        *request.messages,
        {"role": "assistant", "content": first.text or "(empty reply)"},
        {"role": "user", "content": render_prompt("repair", name=request.name, error=first.reason)},
    ]
    response = await _create(client, replace(request, messages=repair))
    usage = usage + usage_of(response)
    try:
        return _parse(response, request.model, draft, check), usage
    except _InvalidReply as second:
        excerpt = excerpt_of(second.text)
        raise StructuredOutputError(
            f"{request.model} did not return a valid {request.name} even after one repair "
            f"request: {_first_line(second.reason)} (reply began: {excerpt[:60]!r})",
            model=request.model,
            excerpt=excerpt,
        ) from None


async def _create(
    client: ChatClient, request: StructuredRequest, *, resend_unreadable: bool = True
) -> ChatCompletion:
    import openai

    try:
        response = await client.chat.completions.create(
            model=request.model,
            messages=request.messages,
            response_format=request.response_format(),
            extra_body=request.extra_body(),
        )
    except ValueError as exc:
        # The SDK could not decode a 200 response's body (a truncated reply, a proxy's HTML
        # page). The SDK never retries that, and the call is idempotent: this is the one
        # layer that sends it again, once.
        if not resend_unreadable:
            raise provider_error(exc, model=request.model) from exc
        logger.info("%s reply from %s unreadable; sending again", request.name, request.model)
        return await _create(client, request, resend_unreadable=False)
    except openai.OpenAIError as exc:
        raise provider_error(exc, model=request.model) from exc
    failure = reply_failure(response, request.model)
    if failure is not None:
        raise failure
    return response


def excerpt_of(text: str) -> str:
    """At most 200 characters of ``text``, whitespace collapsed."""
    flat = " ".join(text.split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


def _first_line(reason: str) -> str:
    return reason.splitlines()[0] if reason else reason


def _reply_text(response: ChatCompletion, model: str) -> str:
    if not response.choices:
        raise _InvalidReply("the reply has no choices", "")
    choice = response.choices[0]
    refusal = choice.message.refusal
    if refusal or choice.finish_reason == "content_filter":
        reason = excerpt_of(refusal) if refusal else "content_filter"
        raise ContentBlockedError(
            f"{model} declined the request: {reason}", provider=PROVIDER, reasons=[reason]
        )
    text = choice.message.content
    if not text or not text.strip():
        raise _InvalidReply("the reply is empty", "")
    return text


def _parse(
    response: ChatCompletion, model: str, draft: type[T], check: Callable[[T], None] | None
) -> T:
    text = _reply_text(response, model)
    fenced = _FENCE.match(text)
    body = fenced.group(1) if fenced else text
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        reason = f"the reply is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        raise _InvalidReply(reason, text) from None
    try:
        value = draft.model_validate(data)
        if check is not None:
            check(value)
    except ValidationError as exc:
        raise _InvalidReply(_describe(exc), text) from None
    except ValueError as exc:
        raise _InvalidReply(str(exc)[:_ERROR_CHARS], text) from None
    return value


def _describe(exc: ValidationError) -> str:
    lines = []
    for error in exc.errors()[:8]:
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        lines.append(f"{where}: {error['msg']}")
    more = exc.error_count() - len(lines)
    if more > 0:
        lines.append(f"and {more} more")
    return "; ".join(lines)[:_ERROR_CHARS]
