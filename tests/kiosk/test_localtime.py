"""Store-local days and hours and the stored UTC text format (kiosk.timekeeping.localtime)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.timekeeping.localtime import (
    day_bounds,
    hour_bounds,
    last_days,
    local_date,
    local_hour,
    parse_utc_text,
    to_utc_text,
)

HELSINKI = ZoneInfo("Europe/Helsinki")
ZONES = [
    "Europe/Helsinki",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/Sao_Paulo",
]
TEXT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
HOUR = timedelta(hours=1)
TICK = timedelta(microseconds=1)

aware = st.datetimes(
    min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.timezones()
)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- the stored text -------------------------------------------------------------------------


def test_to_utc_text_examples():
    local = datetime(2026, 11, 22, 17, 16, 24, tzinfo=HELSINKI)
    assert to_utc_text(local) == "2026-11-22T15:16:24.000000+00:00"
    summer = datetime(2026, 7, 1, 0, 0, 0, 123456, tzinfo=HELSINKI)
    assert to_utc_text(summer) == "2026-06-30T21:00:00.123456+00:00"
    assert to_utc_text(utc(2026, 1, 5, 9)) == "2026-01-05T09:00:00.000000+00:00"


def test_to_utc_text_writes_the_same_minute_of_another_hour_day_month_or_year_anew():
    # The text up to the minute is kept from the call before; the same minute elsewhere
    # in time must not reuse it.
    run = [
        utc(2026, 1, 5, 9, 30, 1), utc(2026, 1, 5, 9, 30, 2, 5), utc(2026, 2, 5, 9, 30, 2),
        utc(2027, 2, 5, 9, 30, 3), utc(2027, 2, 6, 9, 30, 4), utc(2027, 2, 6, 10, 30, 5),
        utc(2027, 2, 6, 10, 31, 6), datetime(2027, 2, 6, 12, 31, 7, tzinfo=HELSINKI),
    ]  # fmt: skip
    assert [to_utc_text(t) for t in run] == [
        t.astimezone(UTC).isoformat(timespec="microseconds") for t in run
    ]


@given(aware, st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=12))
def test_to_utc_text_of_a_run_of_nearby_times(start, steps):
    run = [start + timedelta(microseconds=step * 997) for step in steps]
    run = [t for t in run if 1000 < t.astimezone(UTC).year < 9999]
    assert [to_utc_text(t) for t in run] == [
        t.astimezone(UTC).isoformat(timespec="microseconds") for t in run
    ]


def test_to_utc_text_rejects_naive():
    with pytest.raises(ValueError, match="naive"):
        to_utc_text(datetime(2026, 11, 22, 15, 16, 24))


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22T15:16:24Z",
        "2026-11-22T15:16:24+00:00",
        "2026-11-22T17:16:24+02:00",
        "2026-11-22T10:16:24.000000-05:00",
    ],
)
def test_parse_utc_text_accepts_z_and_offsets(text):
    dt = parse_utc_text(text)
    assert dt == utc(2026, 11, 22, 15, 16, 24)
    assert dt.utcoffset() == timedelta(0)
    assert to_utc_text(dt) == "2026-11-22T15:16:24.000000+00:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-11-22T15:16:24", "no UTC offset"),
        ("2026-11-22", "no UTC offset"),
        ("yesterday", "not an ISO 8601"),
        ("22.11.2026 15:16", "not an ISO 8601"),
        ("", "not an ISO 8601"),
    ],
)
def test_parse_utc_text_rejects(text, message):
    with pytest.raises(ValueError, match=message):
        parse_utc_text(text)


@given(aware)
def test_text_round_trip(dt):
    text = to_utc_text(dt)
    assert TEXT.match(text)
    back = parse_utc_text(text)
    assert back.utcoffset() == timedelta(0)
    # compare in UTC: a fold=1 datetime never equals one in another zone (PEP 495)
    assert back == dt.astimezone(UTC)


@given(aware, aware)
def test_text_order_is_time_order(a, b):
    ta, tb = to_utc_text(a), to_utc_text(b)
    ua, ub = a.astimezone(UTC), b.astimezone(UTC)
    assert (ta < tb) == (ua < ub)
    assert (ta == tb) == (ua == ub)


# --- local dates and hours -------------------------------------------------------------------


def test_local_date_and_hour_examples():
    assert local_date("2026-03-28T22:30:00+00:00", HELSINKI) == date(2026, 3, 29)
    assert local_date(utc(2026, 3, 28, 21, 59, 59), "Europe/Helsinki") == date(2026, 3, 28)
    assert local_hour(utc(2026, 3, 29, 0, 59, 59), HELSINKI) == 2
    assert local_hour(utc(2026, 3, 29, 1), HELSINKI) == 4
    assert local_hour("2026-10-25T00:30:00Z", HELSINKI) == 3
    assert local_hour("2026-10-25T01:30:00Z", HELSINKI) == 3
    assert local_hour(utc(2026, 1, 1, 0, 0), "Asia/Kathmandu") == 5
    assert local_date(utc(2026, 1, 1, 18, 15), "Asia/Kathmandu") == date(2026, 1, 2)
    assert local_date(utc(2026, 1, 1, 18, 14, 59), "Asia/Kathmandu") == date(2026, 1, 1)
    with pytest.raises(ValueError, match="naive"):
        local_hour(datetime(2026, 1, 1, 12), HELSINKI)
    with pytest.raises(ValueError, match="Mars/Olympus"):
        local_date(utc(2026, 1, 1), "Mars/Olympus")


# --- day bounds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "start", "length"),
    [
        (date(2026, 3, 29), utc(2026, 3, 28, 22), 23),
        (date(2026, 10, 25), utc(2026, 10, 24, 21), 25),
        (date(2026, 6, 15), utc(2026, 6, 14, 21), 24),
        (date(2026, 1, 5), utc(2026, 1, 4, 22), 24),
    ],
)
def test_day_bounds_helsinki(day, start, length):
    s, e = day_bounds(day, "Europe/Helsinki")
    assert s == start
    assert e - s == length * HOUR
    assert s.utcoffset() == timedelta(0)
    assert day_bounds(day - timedelta(days=1), HELSINKI)[1] == s
    assert day_bounds(day + timedelta(days=1), HELSINKI)[0] == e


@given(days, st.sampled_from(ZONES))
def test_days_tile_and_hold_exactly_their_dates(day, name):
    start, end = day_bounds(day, name)
    nxt_start = day_bounds(day + timedelta(days=1), name)[0]
    assert end == nxt_start
    assert start <= end
    assert timedelta(hours=22) <= end - start <= timedelta(hours=26)
    assert local_date(start, name) == day
    assert local_date(end - TICK, name) == day
    assert local_date(start - TICK, name) < day
    assert local_date(end, name) > day


# --- hour bounds -----------------------------------------------------------------------------


def test_hour_bounds_spring_forward():
    hours = hour_bounds(date(2026, 3, 29), HELSINKI)
    assert len(hours) == 23
    assert [h for h, _, _ in hours] == [0, 1, 2, *range(4, 24)]
    assert all(e - s == HOUR for _, s, e in hours)
    assert hours[2][2] == hours[3][1] == utc(2026, 3, 29, 1)


def test_hour_bounds_fall_back():
    hours = hour_bounds(date(2026, 10, 25), HELSINKI)
    assert len(hours) == 25
    assert [h for h, _, _ in hours] == [0, 1, 2, 3, 3, *range(4, 24)]
    assert all(e - s == HOUR for _, s, e in hours)
    assert (hours[3][1], hours[4][1]) == (utc(2026, 10, 25, 0), utc(2026, 10, 25, 1))


def test_hour_bounds_ordinary_day_in_kathmandu():
    hours = hour_bounds(date(2026, 6, 15), "Asia/Kathmandu")
    assert [h for h, _, _ in hours] == list(range(24))
    assert hours[0][1] == utc(2026, 6, 14, 18, 15)
    assert all(e - s == HOUR for _, s, e in hours)


def check_hours(day: date, name: str) -> None:
    start, end = day_bounds(day, name)
    hours = hour_bounds(day, name)
    assert hours[0][1] == start
    assert hours[-1][2] == end
    for (_, _, e), (_, s, _) in pairwise(hours):
        assert e == s
    for hour, s, e in hours:
        assert s < e <= s + HOUR
        assert local_hour(s, name) == hour
        assert local_hour(e - TICK, name) == hour
        assert local_date(s, name) == day
        assert local_date(e - TICK, name) == day


@given(days, st.sampled_from(ZONES))
def test_hours_tile_the_day_and_agree_with_local_hour(day, name):
    check_hours(day, name)


@pytest.mark.parametrize(
    ("name", "day", "start", "length"),
    [
        # Lord Howe: 02:00 +10:30 -> 02:30 +11:00, and 02:00 +11:00 -> 01:30 +10:30
        ("Australia/Lord_Howe", date(2026, 10, 4), utc(2026, 10, 3, 13, 30), 23.5),
        ("Australia/Lord_Howe", date(2026, 4, 5), utc(2026, 4, 4, 13), 24.5),
        # Chatham: 02:45 +12:45 -> 03:45 +13:45, and 03:45 +13:45 -> 02:45 +12:45
        ("Pacific/Chatham", date(2026, 9, 27), utc(2026, 9, 26, 11, 15), 23),
        ("Pacific/Chatham", date(2026, 4, 5), utc(2026, 4, 4, 10, 15), 25),
        ("America/New_York", date(2026, 3, 8), utc(2026, 3, 8, 5), 23),
        ("America/New_York", date(2026, 11, 1), utc(2026, 11, 1, 4), 25),
        # São Paulo skipped midnight (00:00 -> 01:00 -02:00): the day starts at 01:00
        ("America/Sao_Paulo", date(2018, 11, 4), utc(2018, 11, 4, 3), 23),
        # ... and fell back at midnight on the 17th (00:00 -> 23:00 on the 16th)
        ("America/Sao_Paulo", date(2019, 2, 16), utc(2019, 2, 16, 2), 25),
        # Kathmandu went +05:30 -> +05:45 at midnight: the day starts at 00:15 local
        ("Asia/Kathmandu", date(1986, 1, 1), utc(1985, 12, 31, 18, 30), 23.75),
        ("Asia/Kolkata", date(2026, 3, 29), utc(2026, 3, 28, 18, 30), 24),
    ],
)
def test_transition_days(name, day, start, length):
    assert day_bounds(day, name) == (start, start + length * HOUR)
    check_hours(day, name)


# --- last days -------------------------------------------------------------------------------


def test_last_days():
    assert last_days(date(2026, 3, 2), 3) == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]
    assert last_days(date(2024, 3, 1), 2) == [date(2024, 2, 29), date(2024, 3, 1)]
    assert last_days(date(2026, 3, 2), 1) == [date(2026, 3, 2)]
    assert last_days(date(2026, 3, 2), 0) == []
    assert len(last_days(date(2026, 3, 2), 30)) == 30
    with pytest.raises(ValueError, match="-1"):
        last_days(date(2026, 3, 2), -1)
