"""JSON nested too deep (issue 27): ~990 levels with a valid token was a 500 and a
traceback on ``POST /api/v1/ratings``. Every route that takes a body answers a 400
``too_deep`` that names the depth, plain, gzip or chunked, and stores nothing; the depth is
counted without recursion, and the same as a parser would find it."""

from __future__ import annotations

import gzip
import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hq.ingest.json_depth import MAX_DEPTH, depth, too_deep
from hq.ingest.wire import loose_json

DEEP = 990


def _nested(levels: int, inner: str = "1") -> bytes:
    """*levels* of arrays and objects in turn around *inner*."""
    opening = "".join('{"a":' if i % 2 else "[" for i in range(levels))
    closing = "".join("}" if i % 2 else "]" for i in reversed(range(levels)))
    return (opening + inner + closing).encode()


def _reference(value: object) -> int:
    """The nesting of a parsed value, the plain recursive way."""
    if isinstance(value, list):
        return 1 + max((_reference(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_reference(v) for v in value.values()), default=0)
    return 0


tricky = st.text(alphabet=st.sampled_from(list('[]{}"\\ab \n\u00e9\u20ac')), max_size=8)
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | tricky,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=500)
@given(values, st.booleans())
def test_the_depth_is_the_parsers_whatever_the_strings_hold(value, ascii_only):
    body = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert depth(body) == _reference(value)


def test_the_depth_of_a_thousand_levels_is_counted_without_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(100)  # as good as no room to recurse
    try:
        assert depth(_nested(5000)) == 5000
        assert loose_json(_nested(5000)) is None
    finally:
        sys.setrecursionlimit(limit)
    assert too_deep(_nested(MAX_DEPTH)) is None
    assert too_deep(_nested(MAX_DEPTH + 1)) == (
        f"the JSON body is nested {MAX_DEPTH + 1} levels deep; HQ takes at most {MAX_DEPTH}"
    )


def _json_routes(app) -> list[str]:
    """Every route of HQ that takes a JSON body."""
    schema = app.openapi()
    found = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                found.append(f"{method.upper()} {path}")
    return sorted(found)


def _deep_bodies() -> dict[str, bytes]:
    return {
        "bare": _nested(DEEP),
        "inside a field": b'{"ratings": ' + _nested(DEEP) + b"}",
        "in a string's company": b'{"code": "[[[[", "device_id": ' + _nested(DEEP) + b"}",
    }


def test_every_json_route_refuses_deep_nesting_with_a_400(hq):
    routes = _json_routes(hq.app)
    assert {"POST /api/v1/ratings", "POST /api/v1/heartbeat", "POST /api/v1/enrol"} <= set(routes)
    before = hq.count()
    for route in routes:
        method, path = route.split(" ")
        for what, body in _deep_bodies().items():
            for coding in ("identity", "gzip"):
                sent = gzip.compress(body) if coding == "gzip" else body
                answer = hq.client.request(
                    method,
                    path,
                    content=sent,
                    headers={
                        **hq.auth(),
                        "Content-Type": "application/json",
                        "Content-Encoding": coding,
                    },
                )
                assert answer.status_code == 400, (route, what, coding, answer.text)
                assert answer.json()["error"] == {
                    "code": "too_deep",
                    "message": f"the JSON body is nested {DEEP + (what != 'bare')} levels"
                    f" deep; HQ takes at most {MAX_DEPTH}",
                }, (route, what, coding)
    assert hq.count() == before


def test_a_chunked_deep_body_and_one_without_a_content_type_are_refused_too(hq):
    def pieces():
        body = b'{"ratings": ' + _nested(DEEP) + b"}"
        for i in range(0, len(body), 100):
            yield body[i : i + 100]

    answer = hq.client.post("/api/v1/ratings", content=pieces(), headers=hq.auth())
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "too_deep"
    answer = hq.client.post(
        "/api/v1/heartbeat",
        content=_nested(DEEP),
        headers={**hq.auth(), "Content-Type": "text/plain"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "too_deep"


@pytest.mark.parametrize(("levels", "status"), [(MAX_DEPTH - 1, 200), (MAX_DEPTH, 400)])
def test_a_heartbeat_may_nest_up_to_the_limit(hq, levels, status):
    # The heartbeat keeps fields it does not know as sent: one level for the body itself.
    body = b'{"version": "9.9", "future": ' + _nested(levels) + b"}"
    answer = hq.client.post(
        "/api/v1/heartbeat", content=body, headers={**hq.auth(), "Content-Type": "application/json"}
    )
    assert answer.status_code == status, answer.text


def test_a_form_may_hold_brackets(hq):
    # A form is not JSON: a password of brackets is checked like any other.
    page = hq.client.get("/login").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    answer = hq.client.post(
        "/login",
        data={"username": "admin", "password": "[" * DEEP, "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code in (200, 401)
    assert "too_deep" not in answer.text


def test_a_deep_body_sent_as_a_form_to_the_ratings_is_a_400_too(hq):
    # Not counted (a form is not JSON), but the ratings endpoint reads any body as JSON:
    # its parser stops at its own depth limit, and quoting the body for the error message
    # must not recurse either.
    answer = hq.client.post(
        "/api/v1/ratings",
        content=b'{"ratings": ' + _nested(DEEP) + b"}",
        headers={**hq.auth(), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "bad_json"
    assert "recursion limit" in answer.json()["error"]["message"]
