"""The ranking of regions: each region (with every store below it) as one unit, ranked as
stores are (:mod:`hq.insight.ranking`: the estimate pulled toward the mean of the regions
ranked together, a place only with 20 ratings), over one period for them all.

The regions ranked together are the children of one parent: those directly under the
chain on the regions page, a region's own regions on its page. A store directly under the
parent belongs to no child and is not in this ranking (it is in the stores' ranking).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.insight.counts import by_use, span_counts, summarize, today
from hq.insight.figures import headline
from hq.insight.period import Period
from hq.insight.ranking import Ranked, kind_of, rank
from hq.people.access import Scope, load_tree
from hq.tables.models import Region, Store


@dataclass
class RegionRow:
    """A region in its ranking: the ranking's figures and its own plain figure."""

    region: Region
    scale: str
    ranked: Ranked
    own: float | None
    stores: int


def chain_today(stores: list[Store], now: datetime) -> date:
    """The latest local date of *stores* at *now* (the last day of their default days)."""
    return max((today(s, now) for s in stores), default=now.date())


def spans(session: Session, store_ids: list[str], a: tuple, b: tuple) -> dict:
    """Per store, its counts of the spans *a* and *b* (two queries if they overlap)."""
    if not store_ids:
        return {}
    if a[0] > b[1] or b[0] > a[1]:
        return span_counts(session, store_ids, [a, b])
    first, second = span_counts(session, store_ids, [a]), span_counts(session, store_ids, [b])
    return {s: [first[s][0], second[s][0]] for s in store_ids}


def rank_regions(
    session: Session, period: Period, parent: str | None = None
) -> dict[str, list[RegionRow]]:
    """The regions directly under *parent* (``None``: the chain) ranked over *period*'s
    days, with the change against what it is compared with; one ranking per kind of scale
    (``csat``, ``nps``, ``ces``), best first. Regions without a store are left out."""
    tree = load_tree(session)
    children = sorted(r for r, up in tree.regions.items() if up == parent)
    members = {r: sorted(tree.stores_of(Scope("region", r))) for r in children}
    members = {r: ids for r, ids in members.items() if ids}
    counted = spans(
        session,
        sorted({s for ids in members.values() for s in ids}),
        (period.first, period.last),
        period.before,
    )
    groups: dict[str, dict] = {}
    for region_id, ids in members.items():
        now_, before = Counter(), Counter()
        for s in ids:
            now_.update(counted[s][0])
            before.update(counted[s][1])
        scale = by_use([now_])[0]  # the period's, as on the region's page
        summaries = (summarize(now_, scale), summarize(before, scale))
        groups.setdefault(kind_of(scale), {})[region_id] = (scale, *summaries, len(ids))
    regions = {r.id: r for r in session.scalars(select(Region).where(Region.id.in_(members)))}
    out = {}
    for kind in ("csat", "nps", "ces"):
        items = groups.get(kind)
        if not items:
            continue
        ranked = rank({k: v[1] for k, v in items.items()}, {k: v[2] for k, v in items.items()})
        rows = []
        for r in ranked:
            scale, current, _, stores = items[r.key]
            own = current.as_dict()[headline(scale)[0]]
            rows.append(RegionRow(regions[r.key], scale, r, own, stores))
        out[kind] = rows
    return out
