"""Every error is SPEC §5's JSON shape with the right status, and changes nothing."""

from __future__ import annotations

import pytest

from tests.hq.conftest import make_hq


def _error(answer, status: int, code: str) -> str:
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]["message"]


def test_malformed_json_is_a_400(hq):
    answer = hq.client.post(
        "/api/v1/ratings",
        content=b'{"ratings": [',
        headers={**hq.auth(), "Content-Type": "application/json"},
    )
    _error(answer, 400, "bad_json")


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("score", 5, "score"),  # off the smiley4 scale
        ("score", "3", "score"),  # strict: no coercion
        ("clock_synced", 1, "clock_synced"),
        ("recorded_at", "2026-11-20 10:00", "recorded_at"),  # no offset
        ("recorded_at", "yesterday", "recorded_at"),
        ("scale", "stars", "scale"),
        ("source", "voice", "source"),
        ("flag", "maybe", "flag"),
        ("seq", 0, "seq"),
        ("id", "not-a-uuid", "id"),
        ("device_id", "", "device_id"),
    ],
)
def test_an_invalid_field_is_a_422_naming_the_field_and_the_rating(hq, field, value, named):
    good = hq.rating()
    bad = hq.rating(**{field: value})
    message = _error(hq.post([good, bad]), 422, "invalid")
    assert named in message
    if field != "id":
        assert bad["id"] in message
    assert hq.count() == 0


def test_unknown_and_missing_keys_are_422(hq):
    extra = {**hq.rating(), "shopper_email": "a@b.c"}
    assert "shopper_email" in _error(hq.post([extra]), 422, "invalid")
    missing = hq.rating()
    del missing["boot_id"]
    assert "boot_id" in _error(hq.post([missing]), 422, "invalid")
    assert hq.count() == 0


def test_a_device_over_its_rate_gets_429_with_retry_after(database_url):
    hq = make_hq(database_url, rate=0.5, burst=3)
    try:
        codes = [hq.post([hq.rating()]).status_code for _ in range(3)]
        assert codes == [200, 200, 200]
        answer = hq.post([hq.rating()])
        _error(answer, 429, "slow_down")
        assert int(answer.headers["Retry-After"]) >= 1
        # Another device has its own bucket.
        other = hq.client.post(
            "/api/v1/heartbeat", json={}, headers=hq.auth(hq.extra_devices["k2"])
        )
        assert other.status_code == 200
        assert hq.count() == 3
    finally:
        hq.app.state.engine.dispose()


def test_unknown_paths_and_methods_answer_in_the_error_shape(hq):
    _error(hq.client.get("/api/v1/nothing"), 404, "not_found")
    _error(hq.client.get("/api/v1/ratings"), 405, "method_not_allowed")
    _error(
        hq.client.get("/api/v1/stores/nowhere/daily", headers=hq.auth(hq.reader_token)),
        404,
        "unknown_store",
    )


def test_readers_need_an_api_token_or_a_login_and_device_tokens_do_not_count(hq):
    _error(hq.client.get("/api/v1/stores/s1/daily"), 401, "login_required")
    _error(hq.client.get("/api/v1/stores/s1/daily", headers=hq.auth()), 401, "bad_token")
    assert (
        hq.client.get("/api/v1/stores/s1/daily", headers=hq.auth(hq.reader_token)).status_code
        == 200
    )
    _error(hq.client.get("/api/v1/devices/k1/gaps"), 401, "login_required")


def test_device_endpoints_refuse_reader_tokens(hq):
    _error(hq.client.get("/api/v1/config", headers=hq.auth(hq.reader_token)), 401, "bad_token")
    _error(hq.client.post("/api/v1/heartbeat", json={}), 401, "no_token")


def test_a_bad_date_range_is_a_clear_error(hq):
    h = hq.auth(hq.reader_token)
    _error(
        hq.client.get("/api/v1/stores/s1/daily?from=2026-11-10&to=2026-11-01", headers=h),
        400,
        "bad_range",
    )
    _error(
        hq.client.get("/api/v1/stores/s1/daily?from=2024-01-01&to=2026-11-01", headers=h),
        400,
        "bad_range",
    )
    assert "from" in _error(
        hq.client.get("/api/v1/stores/s1/daily?from=soon", headers=h), 422, "invalid"
    )
