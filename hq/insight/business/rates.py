"""The response rate: counted ratings per 100 transactions (or per 100 visitors), over
the hours the business figures cover and nothing else, so that a day with figures for
its morning only is compared with its morning's ratings.

A rate comes with its n (the transactions or visitors) and a 95 % Wilson interval (the
share of transactions that left a rating); when there are more ratings than transactions
(a shopper who pressed twice, or figures that miss a till) no interval is given and the
page says why. Read from the kept counts (``rating_hours``) and ``business_hours`` alone.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from hq.insight.splits import Split
from hq.tables.business import BusinessHour
from hq.tables.database import among
from hq.tables.models import HourCount

Z = 1.96  # a 95 % interval


@dataclass(frozen=True)
class Rate:
    """Counted ratings in the hours with the figure, the figure's total there, and the
    rate per 100 with its interval (``None`` where it cannot be given)."""

    ratings: int
    of: int
    per_100: float | None
    low: float | None
    high: float | None

    @classmethod
    def of_counts(cls, ratings: int, of: int) -> Rate:
        if of <= 0:
            return cls(ratings, of, None, None, None)
        low, high = wilson(ratings, of) if ratings <= of else (None, None)
        return cls(ratings, of, 100 * ratings / of, low, high)


@dataclass(frozen=True)
class StoreRates:
    """A store's response rate over a range of local days: in all, per day and per local
    hour of the day (0–23), per 100 transactions and per 100 visitors."""

    transactions: Rate
    visitors: Rate
    days: dict[str, tuple[Rate, Rate]]
    hours: dict[int, tuple[Rate, Rate]]
    hours_with_figures: int


def wilson(hits: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson interval of *hits* in *n*, per 100."""
    p = hits / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * max(0.0, centre - half), 100 * min(1.0, centre + half)


def store_rates(
    session: Session, store_id: str, first: date, last: date, split: Split | None = None
) -> StoreRates:
    """*store_id*'s response rate over its local days *first* to *last*; of a store page's
    *split* if given (one kiosk's ratings against the store's transactions; its hours and
    weekdays on both sides)."""
    span = (first.isoformat(), last.isoformat())
    only = []
    if split and split.hours:
        only.append(BusinessHour.hour.between(*split.hours))
    if split and split.weekdays is not None:
        only.append(BusinessHour.day.in_(split.days))
    business = (
        select(BusinessHour.day, BusinessHour.hour, func.sum(BusinessHour.transactions).label("tx"),
               func.sum(BusinessHour.footfall).label("footfall"))
        .where(BusinessHour.store_id == store_id, BusinessHour.day.between(*span), *only)
        .group_by(BusinessHour.day, BusinessHour.hour)
        .subquery()
    )  # fmt: skip
    counted = (
        select(HourCount.day, HourCount.hour, func.sum(HourCount.n).label("n"))
        .where(HourCount.store_id == store_id, HourCount.day.between(*span),
               HourCount.flag == "", *(split.where if split else ()))
        .group_by(HourCount.day, HourCount.hour)
        .subquery()
    )  # fmt: skip
    # Each hour with business figures and its counted ratings, joined where they are kept:
    # a store without figures reads no row of its counts.
    hours = session.execute(
        select(business.c.day, business.c.hour, business.c.tx, business.c.footfall,
               func.coalesce(counted.c.n, 0))
        .outerjoin(counted, (counted.c.day == business.c.day) & (counted.c.hour == business.c.hour))
    ).all()  # fmt: skip
    # ratings in hours with transactions, the transactions; the same for footfall
    total = [0, 0, 0, 0]
    by_day: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    by_hour: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for day, hour, transactions, footfall, ratings in hours:
        ratings = int(ratings)
        for sums in (total, by_day[day], by_hour[hour]):
            if transactions is not None:
                sums[0] += ratings
                sums[1] += int(transactions)
            if footfall is not None:
                sums[2] += ratings
                sums[3] += int(footfall)
    return StoreRates(
        *_pair(total),
        days={day: _pair(sums) for day, sums in sorted(by_day.items())},
        hours={hour: _pair(sums) for hour, sums in sorted(by_hour.items())},
        hours_with_figures=len(hours),
    )


def _pair(sums: list[int]) -> tuple[Rate, Rate]:
    return Rate.of_counts(sums[0], sums[1]), Rate.of_counts(sums[2], sums[3])


def rates_of(
    session: Session, store_ids: Iterable[str], first: date, last: date
) -> dict[str, tuple[Rate, Rate]]:
    """Each of *store_ids*' response rate (per 100 transactions, per 100 visitors) over its
    local days *first* … *last*, in one query however many stores; a store without
    business figures in those days is left out. The same sums as :func:`store_rates`."""
    ids = sorted(set(store_ids))
    if not ids:
        return {}
    span = (first.isoformat(), last.isoformat())
    b = BusinessHour
    # one row per store and local hour (the hour the clocks repeat is two rows of figures)
    business = (
        select(b.store_id, b.day, b.hour, func.sum(b.transactions).label("tx"),
               func.sum(b.footfall).label("ff"))
        .where(among(session, b.store_id, ids), b.day.between(*span))
        .group_by(b.store_id, b.day, b.hour)
        .subquery()
    )  # fmt: skip
    h = HourCount
    rated = (
        select(h.store_id, h.day, h.hour, func.sum(h.n).label("n"))
        .where(among(session, h.store_id, ids), h.day.between(*span), h.flag == "")
        .group_by(h.store_id, h.day, h.hour)
        .subquery()
    )
    n = func.coalesce(rated.c.n, 0)
    query = (
        select(
            business.c.store_id,
            func.sum(case((business.c.tx.is_not(None), n), else_=0)),
            func.coalesce(func.sum(business.c.tx), 0),
            func.sum(case((business.c.ff.is_not(None), n), else_=0)),
            func.coalesce(func.sum(business.c.ff), 0),
        )
        .select_from(business)
        .outerjoin(rated, and_(rated.c.store_id == business.c.store_id,
                               rated.c.day == business.c.day, rated.c.hour == business.c.hour))
        .group_by(business.c.store_id)
    )  # fmt: skip
    return {store: _pair([int(x or 0) for x in sums]) for store, *sums in session.execute(query)}


def pooled(rates: Iterable[tuple[Rate, Rate]]) -> tuple[Rate, Rate]:
    """Several stores' rates as one (a region's): their ratings and figures summed."""
    sums = [0, 0, 0, 0]
    for tx, vis in rates:
        for i, v in enumerate((tx.ratings, tx.of, vis.ratings, vis.of)):
            sums[i] += v
    return _pair(sums)
