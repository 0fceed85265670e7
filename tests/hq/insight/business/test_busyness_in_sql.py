"""The weekday and the band of busyness are decided in SQL (a year's rows grouped in the
database, not in Python): on both databases they must be what Python decides."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select

from hq.insight.business.busyness import EDGES, band_of, by_busyness
from hq.tables.business import BusinessHour
from hq.tables.database import weekday

# Transactions and staff at the bands' edges and around them, with fractions of a person
# whose quotients are not exact in binary (7 / 0.7 is 10.000000000000002).
HOURS = [(0, 1.0), (4, 1.0), (5, 1.0), (10, 2.0), (7, 0.7), (9, 0.9), (3, 0.3),
         (19, 1.0), (20, 1.0), (39, 1.0), (40, 1.0), (80, 2.0), (1000, 0.5), (2, 0.4)]  # fmt: skip


def test_the_weekday_of_a_day_in_sql_is_pythons_on_both_databases(hq):
    first = date(2026, 12, 28)  # a Monday, across the turn of a year and a leap day
    days = [first + timedelta(days=i) for i in range(10)] + [date(2028, 2, 29)]
    with hq.sessions() as s:
        for day in days:
            assert s.scalar(select(weekday(day.isoformat()))) == day.weekday(), day


def test_each_hour_falls_in_the_band_python_gives_its_transactions_per_head(hq):
    day = date(2026, 11, 2)
    with hq.sessions() as s:
        for hour, (transactions, staff) in enumerate(HOURS):
            s.add(BusinessHour(store_id="s1", starts_at=f"{day}T{hour:02d}:00:00+02:00",
                               day=day.isoformat(), hour=hour, transactions=transactions,
                               staff=staff, imported_at="2026-11-03T00:00:00+00:00"))  # fmt: skip
        s.commit()
        bands = by_busyness(s, ["s1"], day, day, "smiley4")
    expected = Counter(band_of(tx / staff) for tx, staff in HOURS)
    assert [b.hours for b in bands] == [expected[i] for i in range(len(EDGES))]
    assert sum(b.hours for b in bands) == len(HOURS)
