"""A store's or a region's weekly summary: its last complete local week (Monday to
Sunday) against its eight weeks before, read from the kept counts (``rating_hours``) and
the business figures (``business_hours``), then examined by :func:`.slices.examine`.

A region is its stores pooled, each store a slice where a store has kiosks; its week is
the last one that has ended in all of its stores.
Only counted ratings (no flag) on the scope's main scale of those weeks count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from hq.insight.business.busyness import banded_hours
from hq.insight.counts import main_scale, today
from hq.insight.weekly.slices import HOUR_BANDS, NORM_WEEKS, Cell, Examined, examine
from hq.tables.models import HourCount, Store


@dataclass(frozen=True)
class WeeklySummary:
    """What changed in *name*'s week *first* … *last* against its norm *norm_first* …
    (the day before *first*): :class:`.slices.Examined` and whose it is."""

    scope: str  # "store" or "region"
    ident: str
    name: str
    first: date
    last: date
    norm_first: date
    scale: str | None
    examined: Examined = field(default_factory=Examined)
    units: dict[str, str] = field(default_factory=dict)  # a region's store ids → names

    @property
    def verdict(self) -> str:
        return self.examined.verdict if self.scale else "too_early"

    @property
    def changes(self) -> list:
        return self.examined.changes


def last_week(local_today: date) -> tuple[date, date]:
    """The last Monday–Sunday week that ended before *local_today*."""
    monday = local_today - timedelta(days=local_today.weekday() + 7)
    return monday, monday + timedelta(days=6)


def store_summary(
    session: Session, store: Store, now: datetime, few: int = 5, week: date | None = None
) -> WeeklySummary:
    """*store*'s summary of the week holding *week* (default: its last complete one)."""
    first = week - timedelta(days=week.weekday()) if week else last_week(today(store, now))[0]
    return _summary(session, "store", store.id, store.name, [store.id], first, few, "kiosk")


def region_summary(
    session: Session,
    region_id: str,
    name: str,
    stores: Sequence[Store],
    now: datetime,
    few: int = 5,
    week: date | None = None,
) -> WeeklySummary:
    """The summary of the region *region_id* (its *stores* pooled) of the week holding
    *week* (default: the last one that has ended in every one of its stores at *now*)."""
    local_today = min((today(s, now) for s in stores), default=now.date())
    first = week - timedelta(days=week.weekday()) if week else last_week(local_today)[0]
    ids = [s.id for s in stores]
    summary = _summary(session, "region", region_id, name, ids, first, few, "store")
    summary.units.update({s.id: s.name for s in stores})
    return summary


def _summary(session: Session, scope: str, ident: str, name: str, store_ids: list[str],
             first: date, few: int, unit: str) -> WeeklySummary:  # fmt: skip
    last = first + timedelta(days=6)
    norm_first = first - timedelta(weeks=NORM_WEEKS)
    span = (norm_first.isoformat(), last.isoformat())
    scale = main_scale(session, store_ids, norm_first, last) if store_ids else None
    summary = WeeklySummary(scope, ident, name, first, last, norm_first, scale)
    if scale is None:
        return summary
    t = HourCount
    by = t.device_id if unit == "kiosk" else t.store_id
    kept = (t.store_id.in_(store_ids), t.day.between(*span), t.flag == "", t.scale == scale)
    conn = session.connection()
    weeks: dict[str, tuple[int, date]] = {}

    def week_of(day: str) -> tuple[int, date]:
        known = weeks.get(day)
        if known is None:
            d = date.fromisoformat(day)
            known = weeks[day] = ((d - norm_first).days // 7, d)
        return known

    # The days pooled, by band of hours, score and reason: the slices by time and the
    # reasons in one read (a few thousand rows however many stores)
    band = case(*[(t.hour < end, first) for _, first, end in HOUR_BANDS])
    by_time = conn.execute(
        select(t.day, band, t.score, t.reason, func.sum(t.n))
        .where(*kept)
        .group_by(t.day, band, t.score, t.reason)
    ).all()

    def cells():
        for day, h, score, _reason, n in by_time:  # the slices by time
            week, d = week_of(day)
            yield Cell(week, None, d, int(h), "", score, int(n))
        starts = [norm_first + timedelta(weeks=i) for i in range(NORM_WEEKS + 1)]
        week = case(*[(t.day.between(a.isoformat(), (a + timedelta(days=6)).isoformat()), i)
                      for i, a in enumerate(starts)])  # fmt: skip
        for unit_id, w, h, score, n in conn.execute(  # each kiosk or store by week
            select(by, week, band, t.score, func.sum(t.n))
            .where(*kept)
            .group_by(by, week, band, t.score)
        ):
            yield Cell(int(w), unit_id, None, int(h), "", score, int(n))
        # each band of busyness: the hours with business figures, banded in SQL
        busy = banded_hours(store_ids, *span)
        at = (t.store_id == busy.c.store_id) & (t.day == busy.c.day) & (t.hour == busy.c.hour)
        for day, i, score, n in conn.execute(
            select(t.day, busy.c.band, t.score, func.sum(t.n))
            .join(busy, at)
            .where(*kept)
            .group_by(t.day, busy.c.band, t.score)
        ):
            yield Cell(week_of(day)[0], None, None, 0, "", score, int(n), int(i))

    given = ((week_of(day)[0], reason, score, int(n))
             for day, _band, score, reason, n in by_time if reason)  # fmt: skip
    examined = examine(cells(), scale, unit, few, given=given)
    return WeeklySummary(scope, ident, name, first, last, norm_first, scale, examined)
