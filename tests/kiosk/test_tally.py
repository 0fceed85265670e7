"""Today's tally: the SQL bucketing agrees with the one metrics implementation,
in the store's time zone, across the daylight-saving changes."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from kiosk.counting import metrics
from kiosk.rating import COLUMNS, Rating
from kiosk.store.store import Store
from kiosk.tally import day_counts, tally
from kiosk.timekeeping.clock import ManualClock
from tests.conftest import HELSINKI, make_context


def fill(store: Store, clock: ManualClock, start: datetime, hours: float, rng: random.Random):
    """Presses at random gaps (some close enough to be flagged) for *hours* hours."""
    clock.wall = start
    end = start + timedelta(hours=hours)
    while clock.wall < end:
        clock.advance(rng.choice([0.5, 2, 4, 30, 300, 900, 1800]))
        store.record(rng.randint(1, 4), rng.choice(["button", "touch"]))


def all_ratings(store: Store) -> list[dict]:
    return [Rating.from_row(r).to_dict() for r in store.read(f"SELECT {COLUMNS} FROM ratings")]


@pytest.mark.parametrize(
    "day",
    [date(2026, 3, 29), date(2026, 10, 25), date(2026, 6, 15)],
    ids=["spring-forward", "fall-back", "summer"],
)
def test_tally_equals_the_metrics_of_the_raw_rows(db_path, day, clock):
    store = Store(db_path, make_context(), clock=clock)
    start = datetime.combine(day - timedelta(days=8), datetime.min.time(), HELSINKI)
    fill(store, clock, start.astimezone(UTC), 24 * 10, random.Random(day.toordinal()))
    rows = all_ratings(store)
    t = tally(store, day, days=7)
    per_day = metrics.by_local_day("smiley4", rows, HELSINKI)
    per_hour = metrics.by_local_hour(
        "smiley4", [r for r in rows if metrics_day(r) == day], HELSINKI
    )
    empty = metrics.summarize("smiley4", {})
    assert t.today == per_day.get(day, empty)
    assert t.today.count > 0
    assert [d for d, _ in t.days] == [day - timedelta(days=6 - i) for i in range(7)]
    assert all(s == per_day.get(d, empty) for d, s in t.days)
    assert dict(t.hours) == {h: per_hour.get(h, empty) for h in dict(t.hours)}
    expected_hours = set(range(24)) - ({3} if day == date(2026, 3, 29) else set())
    assert {h for h, _ in t.hours} == expected_hours
    flagged_today = [r for r in rows if r["flag"] and metrics_day(r) == day]
    assert sum(t.flagged.values()) == len(flagged_today) > 0
    assert day_counts(store, day) == t.today
    store.close()


def metrics_day(rating: dict) -> date:
    from kiosk.timekeeping.localtime import local_date, parse_utc_text

    return local_date(parse_utc_text(rating["recorded_at"]), HELSINKI)


def test_the_repeated_autumn_hour_is_one_bar_with_both_hours_in_it(db_path):
    # 2026-10-25: 03:00–04:00 local happens twice (UTC 00:00–01:00 and 01:00–02:00).
    clock = ManualClock(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
    store = Store(db_path, make_context(), clock=clock)
    store.record(4, "touch")  # 03:30 EEST
    clock.advance(3600)
    store.record(1, "touch")  # 03:30 EET
    hours = dict(tally(store, date(2026, 10, 25), days=0).hours)
    assert len(hours) == 24
    assert hours[3].count == 2 and hours[3].counts == {1: 1, 2: 0, 3: 0, 4: 1}
    store.close()


def test_midnight_belongs_to_the_local_day(db_path):
    # 21:59:59 UTC is 23:59:59 in Helsinki in winter: still Monday there.
    clock = ManualClock(datetime(2026, 1, 5, 21, 59, 59, tzinfo=UTC))
    store = Store(db_path, make_context(), clock=clock)
    store.record(4, "touch")
    clock.advance(2 * 3600)  # 01:59:59 Tuesday
    store.record(1, "touch")
    assert day_counts(store, date(2026, 1, 5)).counts == {1: 0, 2: 0, 3: 0, 4: 1}
    assert day_counts(store, date(2026, 1, 6)).counts == {1: 1, 2: 0, 3: 0, 4: 0}
    store.close()


def test_flagged_and_other_scale_ratings_are_reported_not_counted(db_path, clock):
    with Store(db_path, make_context("smiley5"), clock=clock) as old_survey:
        old_survey.record(5, "touch")
    clock.advance(600)
    store = Store(db_path, make_context(), clock=clock)
    store.record(4, "touch")
    clock.advance(1)
    store.record(4, "touch")  # lockout
    clock.advance(4)
    store.record(1, "touch")  # repeat
    t = tally(store, date(2026, 1, 5), days=1)
    assert t.today.count == 1 and t.today.counts[4] == 1
    assert t.flagged == {"lockout": 1, "repeat": 1}
    assert t.other_scales == {"smiley5": 1}
    store.close()


def test_reasons_are_tallied(db_path, clock):
    store = Store(db_path, make_context(), clock=clock)
    for reason in ["queue", "queue", "prices", None]:
        clock.advance(60)
        r = store.record(1, "touch", followup_seconds=8)
        if reason:
            store.set_reason(r.id, reason)
    assert tally(store, date(2026, 1, 5)).reasons == {"queue": 2, "prices": 1}
    store.close()


def test_as_dict_is_json_ready(store, clock):
    import json

    store.record(3, "touch")
    d = json.loads(json.dumps(tally(store, date(2026, 1, 5), days=2).as_dict()))
    assert d["date"] == "2026-01-05" and d["timezone"] == "Europe/Helsinki"
    assert d["today"]["count"] == 1 and d["today"]["counts"]["3"] == 1
    assert [x["date"] for x in d["days"]] == ["2026-01-04", "2026-01-05"]
