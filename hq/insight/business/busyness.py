"""Satisfaction against busyness: a store's (or several stores') counted ratings of the
hours that have transactions and staff figures, in bands of transactions per staff
member in the hour, each band with its hours, n, index and unhappy share with a 95 %
Wilson interval. Fixed bands, the same for every store and reader, so two stores' (or a
region's) bands can be set side by side.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Float, case, cast, func, select
from sqlalchemy.orm import Session

from hq.insight.business.rates import wilson
from hq.tables.business import BusinessHour
from hq.tables.database import weekday
from hq.tables.models import HourCount
from kiosk.counting.metrics import summarize
from kiosk.counting.scales import get_scale, is_negative

EDGES = (0, 5, 10, 20, 40)  # transactions per staff member in the hour; the last band is open


@dataclass(frozen=True)
class Band:
    """One band of busyness: transactions per staff member from ``low`` to under ``high``
    (``None``: no upper end), its store-hours, counted ratings, index and unhappy share."""

    low: int
    high: int | None
    hours: int
    ratings: int
    index: float | None
    unhappy: float | None  # %
    unhappy_low: float | None
    unhappy_high: float | None


def band_of(per_staff: float) -> int:
    """The index in :data:`EDGES` of the band *per_staff* falls in."""
    return max(i for i, edge in enumerate(EDGES) if per_staff >= edge)


def _band(transactions, staff):
    """:func:`band_of` of *transactions* / *staff* in SQL (the same division in double
    precision, the same comparisons), so an hour's band is decided where it is read."""
    per_staff = cast(transactions, Float) / staff
    return case(*[(per_staff >= edge, i) for i, edge in reversed(list(enumerate(EDGES)))], else_=0)


def banded_hours(stores: list[str], first: str, last: str):
    """A subquery of *stores*' hours of the local days *first* … *last* (ISO) that have
    transactions and staff figures: ``store_id``, ``day``, ``hour`` and the ``band`` of
    their transactions per staff member (:func:`band_of`, decided in SQL)."""
    b = BusinessHour
    return (
        select(b.store_id, b.day, b.hour,
               _band(func.sum(b.transactions), func.sum(b.staff)).label("band"))
        .where(b.store_id.in_(stores), b.day.between(first, last),
               b.transactions.is_not(None), b.staff > 0)
        .group_by(b.store_id, b.day, b.hour)
        .subquery()
    )  # fmt: skip


def by_busyness(session: Session, stores: Iterable[str], first: date, last: date,
                scale: str) -> list[Band]:  # fmt: skip
    """The bands of *stores*' local days *first* … *last* on *scale* (every band, empty
    ones with 0 hours)."""
    stores = list(stores)
    t = HourCount
    per_hour = banded_hours(stores, first.isoformat(), last.isoformat())
    band = per_hour.c.band
    hours = Counter(dict(session.execute(select(band, func.count()).group_by(band)).all()))
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    for i, score, n in session.execute(
        select(band, t.score, func.sum(t.n))
        .join(per_hour, (t.store_id == per_hour.c.store_id) & (t.day == per_hour.c.day)
              & (t.hour == per_hour.c.hour))
        .where(t.store_id.in_(stores), t.day.between(first.isoformat(), last.isoformat()),
               t.flag == "", t.scale == scale)  # the join's own bounds, for the index too
        .group_by(band, t.score)
    ):  # fmt: skip
        counts[int(i)][score] += int(n)
    sc = get_scale(scale)
    bands = []
    for i, low in enumerate(EDGES):
        high = EDGES[i + 1] if i + 1 < len(EDGES) else None
        c = counts[i]
        total = sum(c.values())
        unhappy = sum(n for s, n in c.items() if is_negative(sc, s))
        interval = wilson(unhappy, total) if total else (None, None)
        summary = summarize(scale, c)
        headline = summary.index if summary.index is not None else summary.nps
        bands.append(Band(low, high, hours[i], total, headline,
                          100 * unhappy / total if total else None, *interval))  # fmt: skip
    return bands


def busy_grid(
    session: Session, stores: Iterable[str], first: date, last: date
) -> list[list[tuple[int, int, float]]]:
    """*stores*' local days *first* … *last* by local weekday (0 = Monday) × hour of day:
    (store-hours with transactions and staff figures, their transactions, their staff
    hours), for a heat map coloured by transactions per staff member."""
    stores = list(stores)
    grid = [[(0, 0, 0.0)] * 24 for _ in range(7)]
    if not stores:
        return grid
    day = weekday(BusinessHour.day)
    rows = session.execute(
        select(day, BusinessHour.hour, func.count(),
               func.sum(BusinessHour.transactions), func.sum(BusinessHour.staff))
        .where(BusinessHour.store_id.in_(stores),
               BusinessHour.day.between(first.isoformat(), last.isoformat()),
               BusinessHour.transactions.is_not(None), BusinessHour.staff > 0)
        .group_by(day, BusinessHour.hour)
    )  # fmt: skip
    for day_of_week, hour, hours, transactions, staff in rows:
        had = grid[day_of_week][hour]
        grid[day_of_week][hour] = (had[0] + int(hours), had[1] + int(transactions),
                                   had[2] + float(staff))  # fmt: skip
    return grid
