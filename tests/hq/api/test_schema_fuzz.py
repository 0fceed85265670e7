"""Schemathesis against the served OpenAPI schema, on SQLite and on PostgreSQL: no 5xx, no
response outside the schema, and nothing written by a request HQ refused.

Bounded: at most ``HYMIO_FUZZ_EXAMPLES`` generated requests per operation (25 in ``make
test``; ``make soak`` runs 4 000, and asks for ``HYMIO_FUZZ_MIN_CASES`` = 50 000 sent on
each database, over 100 000 in all), derandomized so a failure reproduces. An operation
with few possible requests (``/healthz``) runs out of new ones sooner; the requests
actually sent are counted and printed. The cases come from schemathesis' Hypothesis
strategies and are sent through a plain ``@given`` (its pytest plugin does not run under
this pytest).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance
from sqlalchemy import text

from hq.people.admin import add_api_token
from tests.hq.conftest import _pg, _url, make_hq

EXAMPLES = int(os.environ.get("HYMIO_FUZZ_EXAMPLES", "25"))
MIN_CASES = int(os.environ.get("HYMIO_FUZZ_MIN_CASES", "0"))  # sent on each database

READER_PATHS = ("/stores/", "/gaps", "/export.", "/export-", "/comments")
# Sent with an admin token: the enrol codes', the survey editor's, the alert set-up's, the
# alerts', the regions' and the people's (and their subscriptions') twins.
ADMIN_PATHS = ("/enrolment-codes", "/surveys", "/alert-rules", "/alert-channels", "/users",
               "/alerts", "/regions")  # fmt: skip
KNOWN = {"store_id": "s1", "device_id": "k1", "username": "admin"}  # made by make_hq
# A schema cannot say "the score must be on the rating's own scale" or "a real calendar
# date": such schema-valid requests are rightly refused with a 422, so the check that
# every schema-valid request is accepted is left out. Every other check runs.
ACCEPTS_VALID = positive_data_acceptance


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_hq(request, tmp_path_factory):
    if request.param == "sqlite":
        url, name = f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'hq.db'}", None
    else:
        name = f"hymio_fuzz_{uuid.uuid4().hex[:12]}"
        _pg(f"CREATE DATABASE {name} TEMPLATE {request.getfixturevalue('pg_template')}")
        url = _url(name)
    hq = make_hq(url, rate=1e6, burst=10**6)
    yield hq
    hq.app.state.engine.dispose()
    if name:
        _pg(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


STATE = [
    "SELECT count(*), max(id), max(received_at) FROM ratings",
    "SELECT count(*), max(reported_at), sum(pending) FROM device_databases",
    "SELECT id, last_seen_at, version, CAST(last_status AS TEXT) FROM devices ORDER BY id",
    "SELECT count(*), max(revoked_at), sum(uses_left) FROM enrol_codes",
    "SELECT id, name, parent_id FROM regions ORDER BY id",
    "SELECT id, username, kind, scope, mode FROM alert_subscriptions ORDER BY id",
    "SELECT id, state, owner, due FROM alerts ORDER BY id",
    "SELECT rating_id, CAST(topics AS TEXT), topics_edited_at FROM comments ORDER BY rating_id",
]


def _state(hq) -> list:
    with hq.sessions() as s:
        return [s.execute(text(q)).all() for q in STATE]


def _operations(hq):
    schema = schemathesis.openapi.from_asgi("/openapi.json", hq.app)
    return [result.ok() for result in schema.get_all_operations()]


def test_the_schema_lists_every_api_operation(fuzz_hq):
    labels = {op.label for op in _operations(fuzz_hq)}
    assert labels == {
        "POST /api/v1/ratings",
        "POST /api/v1/heartbeat",
        "GET /api/v1/config",
        "GET /api/v1/release",
        "GET /api/v1/release-metadata",
        "GET /api/v1/releases/{version}/manifest",
        "GET /api/v1/releases/{version}/signature",
        "GET /api/v1/releases/{version}/files/{name}",
        "POST /api/v1/enrol",
        "GET /api/v1/enrolment-codes",
        "POST /api/v1/enrolment-codes",
        "DELETE /api/v1/enrolment-codes/{code_id}",
        "GET /api/v1/stores/{store_id}/daily",
        "GET /api/v1/stores/{store_id}/actions",
        "GET /api/v1/stores/{store_id}/what-if",
        "GET /api/v1/stores/{store_id}/business",
        "POST /api/v1/business-hours",
        "GET /api/v1/regions/{region_id}/figures",
        "GET /api/v1/stores/{store_id}/weekly-changes",
        "GET /api/v1/regions/{region_id}/weekly-changes",
        "GET /api/v1/devices/{device_id}/gaps",
        "POST /api/v1/devices/{device_id}/write-offs",
        "GET /api/v1/export.csv",
        "GET /api/v1/export.xlsx",
        "GET /api/v1/export-business.csv",
        "GET /healthz",
        "GET /api/v1/audit",
        "GET /api/v1/audit.csv",
        "GET /api/v1/stores",
        "POST /api/v1/stores",
        "PATCH /api/v1/stores/{store_id}",
        "POST /api/v1/stores/{store_id}/retire",
        "GET /api/v1/stores/{store_id}/hours",
        "PUT /api/v1/stores/{store_id}/hours",
        "PUT /api/v1/stores/{store_id}/exceptions/{day}",
        "DELETE /api/v1/stores/{store_id}/exceptions/{day}",
        "GET /api/v1/devices",
        "POST /api/v1/devices",
        "PATCH /api/v1/devices/{device_id}",
        "POST /api/v1/devices/{device_id}/retire",
        "POST /api/v1/devices/{device_id}/token",
        "POST /api/v1/touchpoints/{code}/receipt-links",
        "GET /api/v1/stores/{store_id}/touchpoints",
        "POST /api/v1/stores/{store_id}/touchpoints",
        "PATCH /api/v1/touchpoints/{device_id}",
        "POST /api/v1/touchpoints/{device_id}/retire",
        "GET /api/v1/surveys",
        "POST /api/v1/surveys",
        "GET /api/v1/surveys/schedules",
        "POST /api/v1/surveys/schedules",
        "POST /api/v1/surveys/schedules/{campaign_id}/cancel",
        "POST /api/v1/users",
        "POST /api/v1/users/{username}/invite",
        "POST /api/v1/users/{username}/reset",
        "POST /api/v1/users/{username}/deactivate",
        "POST /api/v1/users/{username}/reactivate",
        "GET /api/v1/alert-rules",
        "POST /api/v1/alert-rules",
        "PUT /api/v1/alert-rules/{rule_id}",
        "GET /api/v1/alert-channels",
        "POST /api/v1/alert-channels",
        "PUT /api/v1/alert-channels/{name}",
        "POST /api/v1/alert-channels/{name}/test",
        "GET /api/v1/regions",
        "POST /api/v1/regions",
        "GET /api/v1/alerts",
        "GET /api/v1/alerts/{alert_id}",
        "PUT /api/v1/alerts/{alert_id}/tracking",
        "GET /api/v1/users/{username}/subscriptions",
        "POST /api/v1/users/{username}/subscriptions",
        "DELETE /api/v1/users/{username}/subscriptions/{subscription_id}",
        "GET /api/v1/comments",
        "PUT /api/v1/comments/{rating_id}/topics",
    }


def _fuzz(hq, operation, token: str, statuses: list[int]) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), known=st.booleans())
    def check(case, known):
        if known:  # half the time a store or device that exists, so reads get past the 404
            for name, value in KNOWN.items():
                if name in (case.path_parameters or {}):
                    case.path_parameters[name] = value
        before = _state(hq)
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, excluded_checks=[ACCEPTS_VALID]
        )
        statuses.append(response.status_code)
        assert response.status_code < 500
        if response.status_code >= 400:
            assert _state(hq) == before, f"a refused request changed the database: {case}"

    check()


def test_no_generated_request_gives_a_500_or_breaks_the_schema(fuzz_hq):
    seen: dict[str, list[int]] = {}
    started = time.monotonic()
    with fuzz_hq.sessions() as s:
        admin = add_api_token(s, f"fuzz-{uuid.uuid4().hex[:8]}", fuzz_hq.clock.now, role="admin")
    for operation in _operations(fuzz_hq):
        reader = any(part in operation.path for part in READER_PATHS)
        token = fuzz_hq.reader_token if reader else fuzz_hq.token
        if any(part in operation.path for part in ADMIN_PATHS):
            token = admin
        _fuzz(fuzz_hq, operation, token, seen.setdefault(operation.label, []))
    # The fuzzing reached both sides of the validation, not only the error path.
    assert any(s < 300 for s in seen["GET /api/v1/config"])
    assert any(s >= 400 for s in seen["POST /api/v1/ratings"])
    assert any(s >= 400 for s in seen["GET /api/v1/stores/{store_id}/what-if"])
    assert any(s == 200 for s in seen["GET /api/v1/enrolment-codes"])
    assert any(s == 200 for s in seen["GET /api/v1/export-business.csv"])
    sent = sum(len(s) for s in seen.values())
    dialect = fuzz_hq.app.state.engine.dialect.name
    print(f"\nschemathesis on {dialect}: {sent} requests in {time.monotonic() - started:.0f} s,")
    for label, statuses in seen.items():
        print(f"  {label}: {len(statuses)}, {dict(sorted(Counter(statuses).items()))}")
    assert sent >= MIN_CASES, f"{sent} requests sent, fewer than the {MIN_CASES} asked for"
