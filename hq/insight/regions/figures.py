"""A region's page: its cards, trend, heat map and reasons (the sum of its stores', as if
it were one store), its estimate and place among the regions beside it, the ranking of its
stores (the region as the reference) and of its own regions.

The figures are the same for every reader who may see the region: each is computed over
the region's stores or the regions beside it, never over a reader's part of the chain.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.insight.business.busyness import by_busyness
from hq.insight.business.rates import pooled, rates_of
from hq.insight.chain import rankings
from hq.insight.counts import COUNTS, Days, Key, add_day, heat_and_reasons, summarize
from hq.insight.exports.labels import ReasonLabels
from hq.insight.figures import StoreFigures, figures_of, headline
from hq.insight.period import Period
from hq.insight.regions.ranking import RegionRow, rank_regions, spans
from hq.insight.splits import guarded, guarded_reasons, guarded_series
from hq.people.access import Scope, load_tree
from hq.tables.models import DayCount, Region, Store
from kiosk.counting import metrics


@dataclass(frozen=True)
class Group:
    """A region as the store figures see a store: its id and name, and the ids of every
    store below it (:func:`hq.insight.counts.heat_and_reasons` and the others sum them)."""

    id: str
    name: str
    parent_id: str | None
    store_ids: tuple[str, ...]
    stores: tuple[Store, ...]


def region_group(session: Session, region_id: str) -> Group | None:
    """The region *region_id* with every store below it; ``None`` if there is no such
    region."""
    region = session.get(Region, region_id)
    if region is None:
        return None
    ids = sorted(load_tree(session).stores_of(Scope("region", region_id)))
    stores = list(session.scalars(select(Store).where(Store.id.in_(ids)).order_by(Store.name)))
    return Group(region.id, region.name, region.parent_id, tuple(ids), tuple(stores))


def group_days(session: Session, group: Group, days: list[date]) -> Days:
    """The ratings of *group*'s stores on each local day of *days*, summed."""
    index = {d.isoformat(): i for i, d in enumerate(days)}
    counts: list[Counter[Key]] = [Counter() for _ in days]
    if group.store_ids:
        t = DayCount
        query = select(t.day, t.scale, *COUNTS).where(
            t.store_id.in_(group.store_ids),
            t.day >= days[0].isoformat(),
            t.day <= days[-1].isoformat(),
        )
        for day, scale, *values in session.execute(query):
            if day in index:
                add_day(counts[index[day]], scale, values)
    return Days(days, counts)


def _figures(session: Session, group: Group, period: Period) -> StoreFigures:
    """The region's cards and daily series: today, 7 days and the 30 days, or a chosen
    period and what it is compared with (as a store's, :mod:`hq.insight.figures`)."""
    counted = group_days(session, group, period.days)
    figures = figures_of(group, counted)  # type: ignore[arg-type] -- a Group reads as a Store
    if period.chosen:
        before = spans(session, list(group.store_ids), (period.first, period.last), period.before)
        total = Counter()
        for s in group.store_ids:
            total.update(before[s][1])
        scale = figures.scale
        now_ = metrics.merge(*[counted.summary(i, scale) for i in range(len(period.days))])
        then = summarize(total, scale)
        key = headline(scale)[0]
        figures.periods = {period.label: now_.as_dict(), period.compared_with: then.as_dict()}
        a, b = now_.value(key, None), then.value(key, None)
        figures.change = None if a is None or b is None else round(a - b, 1)
    return figures


def region_total(session: Session, group: Group, period: Period) -> StoreFigures:
    """The region's figures over a chosen *period* and what it is compared with (a
    scheduled report's region totals): ``periods`` holds the two summaries, ``change``
    the headline metric's change."""
    return _figures(session, group, period)


def _place(rows: dict[str, list[RegionRow]], region_id: str) -> tuple[RegionRow | None, int]:
    """The region's row among the regions beside it, and how many are in its ranking."""
    for found in rows.values():
        for row in found:
            if row.region.id == region_id:
                return row, len(found)
    return None, 0


def region_page(
    session: Session,
    group: Group,
    now: datetime,
    period: Period,
    language: str = "en",
    few: int = 5,
    sort: str = "rank",
) -> dict:
    """Everything the region page shows over *period* (its days: the chain's last 30 by
    default, see :func:`hq.insight.regions.ranking.chain_today`), its stores ranked in the
    order *sort* (:data:`hq.insight.chain.SORTS`); a day or a reason of fewer than *few*
    ratings shows no figure (:func:`hq.insight.splits.guarded`)."""
    figures = _figures(session, group, period)
    figures.series = guarded_series(figures.series, figures.counts, few)
    if "today" in figures.periods:
        figures.periods["today"] = guarded(figures.periods["today"], few)
    days = figures.counted.days
    scale = figures.scale
    labels = ReasonLabels(session, language, list(group.store_ids))
    heat, shares = heat_and_reasons(session, group, days[0], days[-1], scale, days[len(days) // 2])
    reasons = [(_label(labels, group, s.key) or s.key, s) for s in shares]
    place, of = _place(rank_regions(session, period, group.parent_id), group.id)
    return {
        "group": group,
        "figures": figures,
        "heat": heat,
        "reasons": guarded_reasons(reasons, few),
        "place": place,
        "of": of,
        "stores": rankings(session, list(group.stores), now, sort, period),
        "regions": rank_regions(session, period, group.id),
        # satisfaction against busyness and the response rate, pooled over its stores
        "bands": by_busyness(session, group.store_ids, days[0], days[-1], scale),
        "rates": pooled(rates_of(session, group.store_ids, days[0], days[-1]).values()),
    }


def _label(labels: ReasonLabels, group: Group, key: str) -> str:
    """A reason's label as the first of the region's stores that names it says it."""
    for store_id in group.store_ids:
        if found := labels(store_id, "", key):
            return found
    return ""
