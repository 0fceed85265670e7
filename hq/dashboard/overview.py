"""The all-stores page (``/``): the chain's rankings and a page of the table by name.

A page that does not grow with the fleet: each ranking shows its first :data:`RANKED`
rows in the order chosen (the best places, the biggest changes, or reversed: the worst),
and links to the whole ranking of that kind (``ranking=csat``), :data:`RANK_PAGE` rows a
page. The places, estimates and means are still the whole chain's, whoever looks and
however many rows are shown.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hq.core.errors import PeriodError
from hq.core.paging import pages_of
from hq.dashboard.pages import _page, _to_login, logged_in, speaks
from hq.ingest.wire import Day
from hq.insight.business.rates import Rate, rates_of
from hq.insight.chain import (
    DAYS,
    KINDS,
    PAGE,
    RANK_PAGE,
    RANKED,
    SORTS,
    by_today,
    incomplete_by_store,
    last_days,
    rankings,
    store_table,
    window,
)
from hq.insight.chain_health import lacking, silent_devices
from hq.insight.channels import CHANNELS
from hq.insight.counts import today
from hq.insight.period import choose
from hq.people.access import Scope, load_tree
from hq.tables.models import Region, Store
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def all_stores(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    page: Annotated[int, Query(ge=1, le=100_000, description="page of the table or ranking")] = 1,
    sort: Annotated[str, Query(max_length=20)] = "rank",
    first: Annotated[Day | None, Query(alias="from", description="first local day")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last local day")] = None,
    compare: Annotated[str, Query(max_length=20)] = "previous",
    region: Annotated[str, Query(max_length=64, description="one region's stores")] = "",
    channel: Annotated[str, Query(max_length=20, description="kiosk or web answers only")] = "",
    ranking: Annotated[str, Query(max_length=20, description="one whole ranking")] = "",
):
    """Every store: the first rows of the rankings of every store over the last 30 days
    or the days ``from`` … ``to`` (each store's own), and a page of the table by name; of
    one region's stores (``region``) if given. The rankings are the whole chain's, cut to
    the stores shown (issue 30); of one ``channel``'s answers if given (issue 32). With
    ``ranking``, that whole ranking, a page at a time, instead."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    working = select(Store).where(Store.retired_at.is_(None))  # a retired store is kept apart
    chain = list(db.scalars(working.order_by(Store.name, Store.id)))
    every = user.access.visible(chain)
    regions = shown_regions(db, every)
    words = speaks(request, user)

    def problem(why: str, field: str | None = None):
        return _page(request, "problem.html", user, 400, why=why, store=None, field=field)

    if region:
        if region not in {r.id for r in regions}:
            why = words.translate("region: {value} is not a region of yours", value=repr(region))
            return problem(why, "region")
        inside = user.access.tree.stores_of(Scope("region", region))
        every = [s for s in every if s.id in inside]
    if channel not in ("", *CHANNELS):
        why = words.translate("channel: {value} is not kiosk or web", value=repr(channel[:20]))
        return problem(why, "channel")
    if ranking not in ("", *KINDS):
        why = words.translate("ranking: {value} is not csat, nps or ces", value=repr(ranking))
        return problem(why, "ranking")
    only = user.access.stores if not region else frozenset(s.id for s in every)
    silent, devices = silent_devices(db, now, only)
    chain_today = max((today(s, now) for s in chain), default=now.date())
    try:
        period = choose(chain_today, first, last, compare)
    except PeriodError as e:
        return problem(words.translate(e.text, **e.values))
    # one whole ranking, a page of it, and no table by name; or the first rows of each
    shown = window(rankings(db, chain, now, sort, period, only, channel or None), ranking,
                   page, RANKED, RANK_PAGE)  # fmt: skip
    ranked, totals = shown.shown, shown.totals
    pages = shown.pages if ranking else pages_of(len(every), PAGE)
    if page > pages:
        why = words.translate(
            "there is no page {page} of the stores; there are {pages}", page=page, pages=pages
        )
        return problem(why)
    table = [] if ranking else every[(page - 1) * PAGE : page * PAGE]
    lack = lacking(db)
    # only a store shown with a device that lacks something can have a day marked: the
    # others are complete without a look (the template reads a missing store as [])
    shown_ids = {s.id for s in table} | {r.store.id for rows in ranked.values() for r in rows}
    lacks = [s for s in every if s.id in lack and s.id in shown_ids]
    incomplete = incomplete_by_store([(s, last_days(s, now)) for s in lacks], lack, now)
    if period.chosen:  # the ranking's own days; else the table's 30 days, already marked
        days = [d.isoformat() for d in period.days]
        incomplete_ranked = incomplete_by_store([(s, days) for s in lacks], lack, now)
    else:
        incomplete_ranked = incomplete
    return _page(
        request,
        "overview.html",
        user,
        stores=store_table(db, table, now, request.app.state.min_cell),
        ranking=ranked,
        totals=totals,
        one_ranking=ranking,
        channel=channel,
        rates=_response_rates(db, [r.store for rows in ranked.values() for r in rows], now, period),
        period=period,
        sort=sort if sort in SORTS else "rank",
        page=page,
        pages=pages,
        silent=silent,
        devices=devices,
        incomplete=incomplete,
        incomplete_ranked=incomplete_ranked,
        regions=regions,
        region=region,
    )


def _response_rates(db: DB, stores: list[Store], now, period) -> dict[str, Rate]:
    """The ranked stores' ratings per 100 transactions over the ranking's days (each
    store's own last 30, or the chosen period); a store without figures is left out."""
    if period.chosen:
        spans = {(period.first, period.last): stores}
    else:
        spans = {(last - timedelta(days=DAYS - 1), last): group
                 for last, group in by_today(stores, now).items()}  # fmt: skip
    out = {}
    for (first, last), group in spans.items():
        found = rates_of(db, [s.id for s in group], first, last)
        out |= {store: tx for store, (tx, _) in found.items() if tx.of}
    return out


def shown_regions(db: DB, stores: list[Store]) -> list[Region]:
    """The regions that hold one of *stores* (a reader's), by name, for the filter."""
    tree = load_tree(db)
    ids = {r for s in stores for r in tree.path_up(s.region_id)}
    return list(db.scalars(select(Region).where(Region.id.in_(ids)).order_by(Region.name)))
