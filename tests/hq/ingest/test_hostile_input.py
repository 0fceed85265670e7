"""Inputs a hostile tester found giving 500s (issue 15): each is a 4xx in SPEC §5's shape,
or accepted where SPEC A1 says HQ takes the rating, on SQLite and on PostgreSQL, and a
refused request changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from hq.tables.models import Device
from tests.hq.web.test_api_errors import _error

EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59-00:01"]  # outside years 1-9999 in UTC


def _status(hq) -> dict | None:
    with hq.sessions() as s:
        return s.get(Device, "k1").last_status


def _post_raw(hq, path: str, body: str):
    headers = {**hq.auth(), "Content-Type": "application/json"}
    return hq.client.post(path, content=body.encode("utf-8", "surrogatepass"), headers=headers)


@pytest.mark.parametrize("at", EDGE_TIMES)
def test_a_time_at_the_ends_of_the_calendar_is_a_422_naming_it(hq, at):
    rating = hq.rating(recorded_at=at)
    message = _error(hq.post([rating]), 422, "invalid")
    assert "recorded_at" in message and rating["id"] in message
    message = _error(
        hq.client.post("/api/v1/heartbeat", json={"oldest_pending_at": at}, headers=hq.auth()),
        422,
        "invalid",
    )
    assert "oldest_pending_at" in message
    assert hq.count() == 0 and _status(hq) is None


def test_the_first_and_last_instants_of_the_calendar_are_taken_as_suspect_times(hq):
    first, last = (
        hq.rating(recorded_at="0001-01-01T00:00:00Z"),
        hq.rating(recorded_at="9999-12-31T23:59:59Z"),
    )
    answer = hq.post([first, last])
    assert answer.status_code == 200, answer.text
    from hq.tables.models import Rating

    with hq.sessions() as s:
        assert s.scalars(select(Rating.time_suspect)).all() == [True, True]
    beat = {"oldest_pending_at": "0001-01-01T00:00:00Z"}
    assert hq.client.post("/api/v1/heartbeat", json=beat, headers=hq.auth()).status_code == 200
    assert hq.client.get("/", follow_redirects=False).status_code == 303
    # the figures kept at ingest count them (on their day, UTC's where the zone's is past 9999)
    reader = hq.auth(hq.reader_token)
    assert hq.client.get("/api/v1/export.csv", headers=reader).text.count("\r\n") == 3


@pytest.mark.parametrize("value", ["\\ud800", "\\udfff", "a\\ud83d"])
def test_a_lone_surrogate_is_a_422_anywhere_in_a_body(hq, value):
    rating = json.dumps(hq.rating())
    for body in (
        json.dumps({"ratings": [{**hq.rating(), "id": "X"}]}).replace('"X"', f'"{value}"'),
        '{"ratings": [' + rating.replace('"button"', f'"{value}"') + "]}",
        f'{{"last_error": "{value}"}}',
        f'{{"future_field": "{value}"}}',
        f'{{"future_{value}": 1}}',
    ):
        path = "/api/v1/ratings" if "ratings" in body else "/api/v1/heartbeat"
        answer = _post_raw(hq, path, body)
        assert answer.status_code in (400, 422), (body, answer.text)
        assert answer.json()["error"]["message"]
    assert hq.count() == 0 and _status(hq) is None


@pytest.mark.parametrize(
    "body",
    [
        {"last_error": "disk\x00full"},
        {"held_reason": "x\x00"},
        {"version": "0.2\x00"},
        {"clock": "\x00"},
        {"future_field": "a\x00b"},
        {"future\x00field": 1},
        {"databases": [{"database_id": "d1", "last_seq": 1, "held_reason": "\x00"}]},
    ],
)
def test_a_nul_byte_in_a_heartbeat_is_a_422(hq, body):
    answer = hq.client.post("/api/v1/heartbeat", json=body, headers=hq.auth())
    assert "NUL" in _error(answer, 422, "invalid")
    assert _status(hq) is None


@pytest.mark.parametrize("number", ["Infinity", "-Infinity", "NaN", "1e999"])
def test_a_number_json_cannot_carry_is_a_422(hq, number):
    for field in ("cpu_temperature", "uptime", "future_number"):
        answer = _post_raw(hq, "/api/v1/heartbeat", f'{{"{field}": {number}}}')
        assert answer.status_code in (400, 422), (field, number, answer.text)
    assert _status(hq) is None


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stores/s1/daily?to=9999-12-31",
        "/api/v1/stores/s1/daily?from=0001-01-01",
        "/api/v1/stores/s1/daily?to=0001-01-05",
        "/api/v1/export.csv?to=9999-12-31",
        "/api/v1/export.csv?from=0001-01-01",
        "/api/v1/export.csv?store=s1&to=0001-01-05",
    ],
)
def test_a_day_outside_the_calendar_hq_serves_is_a_422_naming_it(hq, url):
    answer = hq.client.get(url, headers=hq.auth(hq.reader_token))
    message = _error(answer, 422, "invalid")
    assert ("query.to" in message) or ("query.from" in message)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/stores/s%001/daily",
        "/api/v1/devices/k%00/gaps",
        "/api/v1/export.csv?store=s%001",
        "/api/v1/config?x=%00",
        "/login%00",
        "/stores/s%001",
    ],
)
def test_a_nul_byte_in_a_url_is_a_400(hq, url):
    answer = hq.client.get(url, headers=hq.auth(hq.reader_token))
    assert "NUL" in _error(answer, 400, "bad_request")


def test_a_refused_heartbeat_writes_nothing_and_a_good_one_after_it_is_kept(hq):
    assert (
        hq.client.post("/api/v1/heartbeat", json={"x": "\x00"}, headers=hq.auth()).status_code
        == 422
    )
    answer = hq.client.post("/api/v1/heartbeat", json={"version": "0.2"}, headers=hq.auth())
    assert answer.status_code == 200 and _status(hq)["version"] == "0.2"
    with hq.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Device)) == 2


@pytest.mark.parametrize(
    ("field", "value"),
    [("pending", 2**31), ("quarantined", 2**31), ("last_seq", 2**62 + 1), ("disk_free", 2**63)],
)
def test_a_heartbeat_count_too_big_for_a_column_is_a_422(hq, field, value):
    body = {field: value, "last_seq": 1} if field != "last_seq" else {field: value}
    answer = hq.client.post("/api/v1/heartbeat", json=body, headers=hq.auth())
    assert field in _error(answer, 422, "invalid")
    assert _status(hq) is None
    databases = [{"database_id": "d1", "last_seq": 1, "pending": 2**31}]
    answer = hq.client.post("/api/v1/heartbeat", json={"databases": databases}, headers=hq.auth())
    assert "pending" in _error(answer, 422, "invalid")
