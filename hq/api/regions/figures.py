"""``GET /api/v1/regions/{region_id}/figures``: a region's figures over the last 30 days or
``from`` … ``to``, the same as its page shows (:func:`hq.insight.regions.figures.region_page`):
the period's summary and the one compared with, each day's ratings and headline metric,
the region's estimate and place among the regions beside it, and its stores ranked. A
region the token may not see is a 404, as one that does not exist."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from hq.api import FirstDay, LastDay, errors
from hq.api.business import HIDDEN, BandOut, RateOut
from hq.core.errors import ApiError, PeriodError
from hq.insight.business.rates import rates_of
from hq.insight.figures import headline
from hq.insight.period import choose
from hq.insight.regions.figures import region_group, region_page
from hq.insight.regions.ranking import chain_today
from hq.insight.splits import guarded
from hq.people.access import Scope
from hq.web.deps import DB, Now, Reader

router = APIRouter(prefix="/api/v1", tags=["figures"])


class Ranked(BaseModel):
    """A store's or a region's place: the estimate (its own figure pulled toward the mean
    of those ranked with it), its 95 % interval, its ratings; ``place`` null with fewer
    than 20 ratings."""

    id: str
    name: str
    place: int | None
    n: int
    estimate: float | None
    low: float | None
    high: float | None
    change: float | None
    per_100_transactions: float | None = Field(
        description="a store's response rate over the period (None: no business figures)"
    )


class RegionFigures(BaseModel):
    """A region's figures; metrics per SPEC §3 on the region's main scale."""

    region_id: str
    name: str
    stores: int
    scale: str
    metric: str  # csat, nps or ces: what the estimates and the days' ``value`` are
    first: str
    last: str
    periods: dict[str, dict]
    days: list[dict]  # {"date", "ratings", "value"}
    place: Ranked | None  # among the regions beside it
    of: int
    ranking: list[Ranked]  # the region's stores on its main kind of scale
    per_transactions: RateOut = Field(
        description="the response rate of the region's stores, pooled: per 100 transactions"
    )
    per_visitors: RateOut
    busyness: list[BandOut] = Field(
        description="satisfaction by transactions per staff member, pooled over the stores"
    )


def _value(summary, few: int) -> float | None:
    """A day's headline figure; none from fewer than *few* ratings (the privacy guard)."""
    return guarded(summary.as_dict(), few)[headline(summary.scale)[0]]


def _ranked(ident: str, name: str, r, rate=None) -> Ranked:
    return Ranked(id=ident, name=name, place=r.rank, n=r.n, estimate=r.estimate, low=r.low,
                  high=r.high, change=r.change,
                  per_100_transactions=rate[0].per_100 if rate else None)  # fmt: skip


@router.get(
    "/regions/{region_id}/figures",
    response_model=RegionFigures,
    responses=errors(400, 401, 404, 422),
)
def region_figures(
    request: Request,
    region_id: str,
    session: DB,
    now: Now,
    reader: Reader,
    from_: FirstDay = None,
    to: LastDay = None,
) -> RegionFigures:
    """The region's figures, the same for every reader who may see the region."""
    group = region_group(session, region_id) if reader.covers(Scope("region", region_id)) else None
    if group is None:
        raise ApiError(404, "unknown_region", f"no region {region_id!r}")
    try:
        period = choose(chain_today(list(group.stores), now), from_, to, "previous")
    except PeriodError as e:
        raise ApiError(400, "bad_range", e.text.format(**e.values)) from None
    few = request.app.state.min_cell
    page = region_page(session, group, now, period, "en", few)
    figures, place = page["figures"], page["place"]
    key = headline(figures.scale)[0]
    rates = rates_of(session, group.store_ids, period.first, period.last)
    tx, visitors = page["rates"]
    bands = [BandOut(**{**vars(b), **({} if b.ratings >= few else dict.fromkeys(HIDDEN))})
             for b in page["bands"]]  # fmt: skip
    days = [
        {"date": d, "ratings": n, "value": _value(figures.counted.summary(i, figures.scale), few)}
        for i, (d, n) in enumerate(zip(figures.days, figures.counts, strict=True))
    ]
    return RegionFigures(
        region_id=group.id,
        name=group.name,
        stores=len(group.stores),
        scale=figures.scale,
        metric=key,
        first=period.first.isoformat(),
        last=period.last.isoformat(),
        periods=figures.periods,
        days=days,
        place=_ranked(place.region.id, place.region.name, place.ranked) if place else None,
        of=page["of"],
        ranking=[_ranked(r.store.id, r.store.name, r.ranked, rates.get(r.store.id))
                 for r in page["stores"].get(key, [])],
        per_transactions=RateOut.of_rate(tx),
        per_visitors=RateOut.of_rate(visitors),
        busyness=bands,
    )  # fmt: skip
