"""RFC 9457 problem details (``application/problem+json``) from storyreel's error hierarchy.

Mapping (the API's contract):

====================================================  ======  ==========================
error                                                 status  type (``urn:storyreel:...``)
====================================================  ======  ==========================
body that cannot be read (not JSON, broken multipart)  400     ``bad-request``
missing or wrong bearer token                         401     ``unauthorized``
unknown job, file or route                            404     ``not-found``
a job whose state forbids it (resume while running)   409     ``conflict``
request body larger than ``api.max_upload_mb``        413     ``payload-too-large``
a JSON body sent as another content type              415     ``unsupported-media-type``
upload that is not a PNG, JPEG or WebP image          415     ``unsupported-media-type``
request validation (wrong type, missing field)        422     ``validation``
``InputError`` (values storyreel refuses)             422     ``invalid-input``
a library model refusing a value (pydantic)           422     ``invalid-input``
``ContentBlockedError`` (safety filters)              422     ``content-blocked``
``ProviderError`` with a rate limit (429)             429     ``rate-limited`` + Retry-After
``ProviderError`` that timed out                      504     ``provider-timeout``
other ``ProviderError``, ``StructuredOutputError``    502     ``provider``
``ConfigError``                                       503     ``configuration``
anything else                                         500     ``internal`` (no details)
====================================================  ======  ==========================

``InputError`` is a 422 like request validation: both mean the request was read but its
values are refused. 400 is kept for bodies that cannot be read at all. Every ``detail``
passes through :func:`storyreel.logs.redact`; no stack trace ever reaches a response.
"""

from __future__ import annotations

import logging
import math
from http import HTTPStatus
from typing import Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from storyreel.api.bodies import unreadable_body
from storyreel.errors import (
    ConfigError,
    ContentBlockedError,
    InputError,
    JobError,
    ProviderError,
    StoryreelError,
    StructuredOutputError,
)
from storyreel.logs import redact

logger = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_TYPE_PREFIX = "urn:storyreel:problem:"
_SLUGS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    415: "unsupported-media-type",
    416: "range-not-satisfiable",
    422: "invalid-input",
    429: "rate-limited",
    502: "provider",
    503: "configuration",
    504: "provider-timeout",
}
_MAX_DETAIL = 1000


class Problem(BaseModel):
    """The body of every error response (RFC 9457), with storyreel's extension members."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    provider: str | None = None
    retryable: bool | None = None
    retry_after_s: float | None = None
    reasons: list[str] | None = None
    errors: list[dict[str, Any]] | None = None


class ApiProblem(Exception):
    """An error response raised by the API layer itself (unknown job, upload too large...)."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or _SLUGS.get(status, "error")
        self.headers = headers or {}
        self.extra = extra


def not_found(detail: str) -> ApiProblem:
    return ApiProblem(404, detail)


def conflict(detail: str) -> ApiProblem:
    return ApiProblem(409, detail)


def _clean(text: str) -> str:
    text = redact(text)
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def is_timeout(exc: BaseException) -> bool:
    """Whether a provider error was a timeout: an explicit flag, HTTP 408/504, or a timeout
    exception anywhere in its cause chain (the SDKs' own timeout classes included)."""
    if getattr(exc, "timeout", False) is True:
        return True
    if isinstance(exc, ProviderError) and exc.status in (408, 504):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TimeoutError) or type(current).__name__.endswith(
            ("Timeout", "TimeoutError")
        ):
            return True
        current = current.__cause__ or current.__context__
    return False


def _validation_errors(exc: RequestValidationError | ValidationError) -> list[dict[str, Any]]:
    # Only where and what: the offending input is left out, it may be large or secret.
    return [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": _clean(str(error.get("msg", ""))),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]


def problem_of(exc: BaseException) -> ApiProblem:
    """The problem an exception stands for (see the module docstring for the mapping)."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, HTTPException) and isinstance(exc.__cause__, ApiProblem):
        # FastAPI wraps errors raised while reading a body (e.g. the upload limit) in a 400.
        return exc.__cause__
    if isinstance(exc, RequestValidationError):
        unreadable = unreadable_body(exc.errors())
        if unreadable is not None:
            return ApiProblem(*unreadable)
        return ApiProblem(
            422, "the request is not valid", slug="validation", errors=_validation_errors(exc)
        )
    if isinstance(exc, ValidationError):
        # A library model refused a value the request carried (the API's own models passed).
        return ApiProblem(422, _clean(f"invalid {exc.title}"), errors=_validation_errors(exc))
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
        return ApiProblem(exc.status_code, _clean(detail), headers=dict(exc.headers or {}))
    if isinstance(exc, ContentBlockedError):
        return ApiProblem(
            422,
            _clean(str(exc)),
            slug="content-blocked",
            provider=exc.provider,
            reasons=[_clean(reason) for reason in exc.reasons],
        )
    if isinstance(exc, ProviderError):
        return _provider_problem(exc)
    if isinstance(exc, StructuredOutputError):
        return ApiProblem(502, _clean(str(exc)), slug="structured-output")
    if isinstance(exc, InputError):
        return ApiProblem(422, _clean(str(exc)))
    if isinstance(exc, JobError):
        return ApiProblem(409, _clean(str(exc)))
    if isinstance(exc, ConfigError):
        return ApiProblem(503, _clean(str(exc)))
    if isinstance(exc, StoryreelError):
        return ApiProblem(500, _clean(str(exc)), slug="internal")
    return ApiProblem(500, "an internal error occurred; see the server log", slug="internal")


def _provider_problem(exc: ProviderError) -> ApiProblem:
    extra: dict[str, Any] = {"provider": exc.provider, "retryable": exc.retryable}
    if is_timeout(exc):
        return ApiProblem(504, _clean(str(exc)), **extra)
    if exc.status == 429:
        headers = {}
        if exc.retry_after_s is not None and math.isfinite(exc.retry_after_s):
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after_s)))
            extra["retry_after_s"] = exc.retry_after_s
        return ApiProblem(429, _clean(str(exc)), headers=headers, **extra)
    return ApiProblem(502, _clean(str(exc)), **extra)


def problem_response(exc: BaseException, request: Request | None = None) -> JSONResponse:
    """The ``application/problem+json`` response for ``exc``; 5xx causes are logged here."""
    problem = problem_of(exc)
    if problem.status >= 500 and not isinstance(exc, ApiProblem | ProviderError):
        logger.error("request failed: %s", type(exc).__name__, exc_info=exc)
    body = Problem(
        type=_TYPE_PREFIX + problem.slug,
        title=HTTPStatus(problem.status).phrase,
        status=problem.status,
        detail=_clean(problem.detail),
        instance=request.url.path if request is not None else None,
        **problem.extra,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_JSON,
    )


def problem_schema() -> dict[str, Any]:
    """The OpenAPI response object of an error, inline (no ``$ref``, for mounted routers)."""
    return {
        "description": "An RFC 9457 problem document.",
        "content": {PROBLEM_JSON: {"schema": Problem.model_json_schema()}},
    }


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` declaring ``statuses`` as problem documents."""
    schema = problem_schema()
    return {status: {**schema, "description": HTTPStatus(status).phrase} for status in statuses}
