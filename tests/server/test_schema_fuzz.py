"""Schemathesis against the served OpenAPI schema: no 500, no response outside the schema.

Bounded: a fixed number of generated requests per operation, derandomized so a failure
reproduces. Runs on SQLite; the PostgreSQL behaviour of the same code paths is covered by
the parametrised API tests. The cases come from schemathesis' Hypothesis strategies and are
sent through a plain ``@given`` (its pytest plugin does not run under this pytest).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.server.conftest import make_hq

READER_PATHS = ("/stores/", "/gaps", ".csv")
# A schema cannot say "the score must be on the rating's own scale" or "a real calendar
# date": such schema-valid requests are rightly refused with a 422, so the check that
# every schema-valid request is accepted is left out. Every other check runs.
ACCEPTS_VALID = positive_data_acceptance


@pytest.fixture(scope="module")
def fuzz_hq(tmp_path_factory):
    hq = make_hq(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'hq.db'}", rate=1e6, burst=10**6)
    yield hq
    hq.app.state.engine.dispose()


def _operations(hq):
    schema = schemathesis.openapi.from_asgi("/openapi.json", hq.app)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_lists_every_api_operation(fuzz_hq):
    labels = {op.label for op in _operations(fuzz_hq)}
    assert labels == {
        "POST /api/v1/ratings",
        "POST /api/v1/heartbeat",
        "GET /api/v1/config",
        "GET /api/v1/stores/{store_id}/daily",
        "GET /api/v1/devices/{device_id}/gaps",
        "GET /api/v1/export.csv",
        "GET /healthz",
    }


def _fuzz(operation, token: str, statuses: set[int]) -> None:
    @settings(
        max_examples=40,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case):
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, excluded_checks=[ACCEPTS_VALID]
        )
        statuses.add(response.status_code)
        assert response.status_code < 500

    check()


def test_no_generated_request_gives_a_500_or_breaks_the_schema(fuzz_hq):
    seen: dict[str, set[int]] = {}
    for operation in _operations(fuzz_hq):
        reader = any(part in operation.path for part in READER_PATHS)
        token = fuzz_hq.reader_token if reader else fuzz_hq.token
        _fuzz(operation, token, seen.setdefault(operation.label, set()))
    # The fuzzing reached both sides of the validation, not only the error path.
    assert any(s < 300 for s in seen["GET /api/v1/config"])
    assert any(s >= 400 for s in seen["POST /api/v1/ratings"])
    print(seen)
