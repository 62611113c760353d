"""The quote API's OpenAPI schema tells the truth (schemathesis, in process over ASGI).

Every request the schema allows is answered without a server error, in the content type
and shape the schema gives, and is accepted (200) unless it is one of the documented
refusals of a schema-valid request (:data:`optimizer.api.REFUSALS`: 422 naming one of
those fields, e.g. a place name that matches no node); a request the schema does not
allow is refused (4xx, never 200 or 5xx) by ``POST /quote``. Hypothesis' example budget
is kept small so that the whole file runs in well under 30 s.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

with warnings.catch_warnings():
    # starlette >= 1.x warns that its test client prefers httpx2 (not installed here)
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

from hypothesis import HealthCheck, settings

from optimizer.api import REFUSALS, create_app

#: Examples per operation and mode (the explicit examples of the schema come on top).
EXAMPLES = 20
SEEN: dict[str, dict[int, int]] = {}
SCHEMA: dict[str, Any] = {}


def _count(case: Any, status: int) -> None:
    label = f"{case.method} {case.path}"
    SEEN.setdefault(label, {})
    SEEN[label][status] = SEEN[label].get(status, 0) + 1


def _refused_fields(case: Any, response: Any) -> list[str]:
    """The fields a 200 or 422 answer refuses (every error of a batch's answer)."""
    data = response.json()
    if response.status_code == 422:
        return [str(d["loc"][1]) if len(d["loc"]) > 1 else "body" for d in data["detail"]]
    if case.path == "/quotes":
        return [str(item["error"]["field"]) for item in data if "error" in item]
    return []


@schemathesis.check
def schema_valid_is_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """A schema-valid request: no 5xx, and 200 unless a documented refusal (422 naming a
    field of REFUSALS; for a batch, each item's error)."""
    status = response.status_code
    assert status < 500, f"server error {status}: {response.text[:300]}"
    fields = _refused_fields(case, response)
    undocumented = [f for f in fields if f not in REFUSALS]
    assert status in (200, 422), f"{status} for a schema-valid request: {response.text[:300]}"
    assert not undocumented, (
        f"a schema-valid request refused on {undocumented} (documented refusals: "
        f"{', '.join(REFUSALS)}): {response.text[:400]}"
    )
    return None


@pytest.fixture(scope="module")
def api_schema(tiny: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(tiny, warm_up=False))
    schema.config.generation.update(modes=[GenerationMode.POSITIVE], max_examples=EXAMPLES)
    return schema


@pytest.fixture(scope="module")
def api_schema_negative(tiny: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app = create_app(tiny, warm_up=False)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    SCHEMA.update(app.openapi())
    schema.config.generation.update(modes=[GenerationMode.NEGATIVE], max_examples=EXAMPLES)
    return schema


positive = schemathesis.pytest.from_fixture("api_schema")
negative = schemathesis.pytest.from_fixture("api_schema_negative").include(
    path="/quote", method="POST"
)


@positive.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=EXAMPLES)
def test_schema_valid_requests_are_answered(case: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = case.call()
    _count(case, response.status_code)
    case.validate_response(
        response,
        checks=[
            schema_valid_is_accepted,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )


@negative.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=EXAMPLES)
def test_schema_invalid_quotes_are_refused(case: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        response = case.call()
    _count(case, response.status_code)
    assert response.status_code < 500, response.text[:300]
    if _allowed(case.body):
        return  # an explicit example or a mutation the schema still allows
    assert 400 <= response.status_code < 500, (
        f"{response.status_code} for a request the schema does not allow: {case.body!r:.300}"
    )


def _allowed(body: Any) -> bool:
    """Whether the schema (the OpenAPI component itself) allows a /quote body."""
    import jsonschema

    request = SCHEMA["components"]["schemas"]["QuoteRequest"]
    validator = jsonschema.Draft202012Validator(
        {**request, "components": SCHEMA["components"]},
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )
    return isinstance(body, dict) and validator.is_valid(body)


def test_cases_were_run() -> None:
    """The schema-valid cases reached the quote (some 200s), and how many ran (-s shows it)."""
    print("\nschemathesis cases by operation and status:", SEEN)
    if SEEN:
        assert SEEN.get("POST /quote", {}).get(200, 0) + SEEN.get("POST /quotes", {}).get(200, 0), (
            SEEN
        )
