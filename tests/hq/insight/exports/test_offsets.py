"""The spans of one UTC offset the PostgreSQL export adds as an interval
(:mod:`hq.insight.exports.offsets`): for any instant between the first and the last, the span
that holds it has the offset the zone has then, across DST changes, half-hour and 45-minute
zones, Lord Howe's half-hour DST and a zone's local mean time before 1921."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from hq.insight.exports.offsets import offset_spans
from kiosk.timekeeping.localtime import to_utc_text

ZONES = ["Europe/Helsinki", "Asia/Kathmandu", "America/St_Johns", "Australia/Lord_Howe", "UTC"]
instants = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    first=instants,
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)),
    where=st.floats(0, 1),
)
def test_each_instant_lies_in_a_span_with_its_zones_offset(zone, first, length, where):
    last = first + length
    at = first + length * where
    spans = offset_spans(zone, first, last)
    assert spans[0][0] is None and spans[-1][1] is None  # open at both ends
    for (_, upper, _), (lower, _, _) in pairwise(spans):
        assert upper == lower  # no hole and no overlap
    text = to_utc_text(at)
    (offset,) = [
        o for lo, hi, o in spans if (lo is None or lo <= text) and (hi is None or text < hi)
    ]
    assert offset == at.astimezone(ZoneInfo(zone)).utcoffset()


def test_a_dst_change_splits_the_month_where_the_clocks_go_back():
    spans = offset_spans("Europe/Helsinki", datetime(2026, 10, 1, tzinfo=UTC),
                         datetime(2026, 10, 31, tzinfo=UTC))  # fmt: skip
    assert spans == [
        (None, "2026-10-25T01:00:00.000000+00:00", timedelta(hours=3)),
        ("2026-10-25T01:00:00.000000+00:00", None, timedelta(hours=2)),
    ]
