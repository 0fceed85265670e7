"""The days a scheduled report covers and when they are due: yesterday, last Monday–Sunday,
last calendar month, in each store's local time, from 06:00 the morning after; a region
across time zones waits for its westernmost store."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from hq.core.language import language
from hq.insight.scheduled.periods import finished, following, report_day, report_period
from hq.tables.models import Store


@pytest.mark.parametrize(
    ("kind", "today", "first", "last", "before"),
    [
        ("daily", date(2026, 11, 23), date(2026, 11, 22), date(2026, 11, 22),
         (date(2026, 11, 21), date(2026, 11, 21))),
        ("daily", date(2027, 1, 1), date(2026, 12, 31), date(2026, 12, 31),
         (date(2026, 12, 30), date(2026, 12, 30))),
        ("weekly", date(2026, 11, 23), date(2026, 11, 16), date(2026, 11, 22),
         (date(2026, 11, 9), date(2026, 11, 15))),
        ("weekly", date(2026, 11, 29), date(2026, 11, 16), date(2026, 11, 22),
         (date(2026, 11, 9), date(2026, 11, 15))),  # Sunday: this week is not over
        ("monthly", date(2026, 3, 1), date(2026, 2, 1), date(2026, 2, 28),
         (date(2026, 1, 1), date(2026, 1, 31))),
        ("monthly", date(2026, 4, 15), date(2026, 3, 1), date(2026, 3, 31),
         (date(2026, 2, 1), date(2026, 2, 28))),  # against February, not 31 days before
        ("monthly", date(2027, 1, 1), date(2026, 12, 1), date(2026, 12, 31),
         (date(2026, 11, 1), date(2026, 11, 30))),
    ],
)  # fmt: skip
def test_the_finished_period_and_the_one_it_is_compared_with(kind, today, first, last, before):
    period = finished(kind, today)
    assert (period.first, period.last, period.before) == (first, last, before)
    assert period.chosen and period.key == first.isoformat()
    assert following(period).first.toordinal() == last.toordinal() + 1


def _store(zone: str) -> Store:
    return Store(id=zone, name=zone, timezone=zone)


def test_a_period_is_due_from_six_in_the_morning_after_in_every_store_of_the_report():
    helsinki, new_york = _store("Europe/Helsinki"), _store("America/New_York")
    sunday_night = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)  # Mon 01:00 in Helsinki
    monday_morning = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 06:00 in Helsinki
    assert report_day([helsinki], sunday_night) == date(2026, 11, 22)
    assert report_day([helsinki], monday_morning) == date(2026, 11, 23)
    assert report_day([helsinki, new_york], monday_morning) == date(2026, 11, 22)
    noon_in_new_york = datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert report_day([helsinki, new_york], noon_in_new_york) == date(2026, 11, 23)


@pytest.mark.parametrize(
    ("lang", "week", "month", "day"),
    [
        ("fi", "viikko 47: 16.11.2026 – 22.11.2026", "Marraskuu 2026", "su 22.11.2026"),
        ("sv", "vecka 47: 16 nov. 2026 – 22 nov. 2026", "November 2026", "sön 22 nov. 2026"),
        ("en", "week 47: 2026-11-16 – 2026-11-22", "November 2026", "Sun 2026-11-22"),
    ],
)
def test_the_period_is_named_in_the_reports_language(lang, week, month, day):
    words = language(lang)
    assert report_period("weekly", date(2026, 11, 16)).title(words) == week
    assert report_period("monthly", date(2026, 11, 1)).title(words) == month
    assert report_period("daily", date(2026, 11, 22)).title(words) == day


def test_an_unknown_kind_of_period_is_named():
    with pytest.raises(ValueError, match="'hourly' is not one of daily, weekly, monthly"):
        finished("hourly", date(2026, 11, 23))
