"""Property-based conformance: schemathesis drives the app in-process from its own OpenAPI
document (bounded, derandomized examples, valid and invalid, offline, a token configured so that the
bearer scheme it declares is really enforced) and checks every response against it: no
5xx, no response that breaks the schema, no undocumented status or content type.

``POST /v1/videos`` and ``POST /v1/jobs/{job_id}/resume`` are left out: each accepted example
would start a background video job; the job routes are covered by test_routes_media.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from schemathesis.generation import GenerationMode

from storyreel.api import create_app
from storyreel.containers import close_container, create_container
from storyreel.settings import load_settings

from .conftest import TOKEN

MAX_EXAMPLES = 40
LEFT_OUT = r"^/v1/(videos|jobs/\{job_id\}/resume)$"
# Operations whose refusals go beyond what a schema can say (an upload's bytes must be an
# image, or audio; the writing service's rules for character names; a video job's "an idea or
# a story, not both"): a schema-valid request may get a documented 415/422 there, so "valid
# data is accepted" is not checked for them.
DOMAIN_RULES = {"POST /v1/characters", "POST /v1/music", "POST /v1/stories", "POST /v1/estimates"}


@pytest.fixture
def api_schema(tmp_path: Path) -> Iterator[schemathesis.BaseSchema]:
    container = create_container(
        load_settings(
            {"backend": "offline", "output_dir": str(tmp_path)},
            env={"STORYREEL_API_TOKEN": TOKEN},
            dotenv=None,
        )
    )
    app = create_app(container)
    try:
        # The OpenAPI document needs the token like every route but /healthz.
        yield schemathesis.openapi.from_asgi(
            "/openapi.json", app, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    finally:
        from schemathesis.python import asgi

        # schemathesis started the app's lifespan in its own event loop thread.
        asgi.shutdown_lifespans()
        close_container(container)


def conformance_test(operation: Any) -> Callable[[], None]:
    """A Hypothesis test sending valid and invalid examples to ``operation``."""
    excluded = [checks.positive_data_acceptance] if operation.label in DOMAIN_RULES else []
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=excluded
        )

    return conforms  # type: ignore[no-any-return]


def test_schemathesis_api_conforms_to_its_openapi(api_schema: schemathesis.BaseSchema) -> None:
    tested: list[str] = []
    failures: dict[str, str] = {}
    for result in api_schema.exclude(method="POST", path_regex=LEFT_OUT).get_all_operations():
        operation = result.ok()
        try:
            conformance_test(operation)()
        except (Exception, BaseExceptionGroup) as exc:  # report every operation's failure
            failures[operation.label] = str(exc)[:2000]
        tested.append(operation.label)

    assert len(tested) >= 10, tested
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
