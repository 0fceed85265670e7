"""``GET /regions`` (the regions directly under the chain, ranked) and
``GET /regions/{region_id}`` (a region's page), over the last 30 days or the days
``from`` … ``to``. A region the reader may not see is answered as one that does not exist
(404); the figures are the same for every reader who may see them (:mod:`hq.insight.regions`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hq.core.errors import PeriodError
from hq.dashboard.heat import HeatBy, heat_links, heat_problem
from hq.dashboard.pages import _page, _to_login, logged_in, speaks
from hq.ingest.wire import Day
from hq.insight.business.busyness import busy_grid
from hq.insight.chain import KINDS, RANK_PAGE, RANKED, SORTS, rankings, window
from hq.insight.period import choose
from hq.insight.regions.figures import region_group, region_page
from hq.insight.regions.ranking import chain_today, rank_regions
from hq.insight.weekly.summary import region_summary
from hq.insight.weekly.words import told
from hq.people.access import Scope
from hq.tables.models import Store
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
First = Annotated[Day | None, Query(alias="from", description="first local day")]
Last = Annotated[Day | None, Query(alias="to", description="last local day")]
Compare = Annotated[str, Query(max_length=20)]


@router.get("/regions", response_class=HTMLResponse)
def regions_page(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    first: First = None,
    last: Last = None,
    compare: Compare = "previous",
):
    """The regions directly under the chain, ranked as the stores are; the reader sees the
    rows of the regions they may see, with the places they hold among all of them."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    try:
        period = choose(chain_today(list(db.scalars(select(Store))), now), first, last, compare)
    except PeriodError as e:
        return _page(request, "problem.html", user, 400, why=words.translate(e.text, **e.values),
                     store=None)  # fmt: skip
    ranking = {}
    for kind, rows in rank_regions(db, period).items():
        if mine := [r for r in rows if user.access.covers(Scope("region", r.region.id))]:
            ranking[kind] = mine
    return _page(request, "regions.html", user, ranking=ranking, period=period)


@router.get("/regions/{region_id}", response_class=HTMLResponse)
def one_region(
    region_id: str,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    first: First = None,
    last: Last = None,
    compare: Compare = "previous",
    heat: HeatBy = "unhappy",
    sort: Annotated[str, Query(max_length=20)] = "rank",
    ranking: Annotated[str, Query(max_length=20, description="one whole ranking")] = "",
    page: Annotated[int, Query(ge=1, le=100_000, description="page of the ranking")] = 1,
):
    """A region's page: its cards, trend, heat map (``heat=busy``: by transactions per
    staff member) and reasons, its satisfaction by busyness, its place among the regions
    beside it, the first rows of its stores' rankings in the order ``sort`` and its own
    regions ranked; with ``ranking``, only that whole ranking of its stores, a page at a
    time (paging through it reads none of the region's other figures)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not user.access.covers(Scope("region", region_id)):
        return _page(request, "missing.html", user, 404, region_id=region_id)
    group = region_group(db, region_id)
    try:
        period = choose(chain_today(list(group.stores), now), first, last, compare)
    except PeriodError as e:
        return _page(request, "problem.html", user, 400, why=words.translate(e.text, **e.values),
                     store=None)  # fmt: skip
    if why := heat_problem(heat, words):
        return _page(request, "problem.html", user, 400, why=why, store=None, field="heat")
    if ranking not in ("", *KINDS):
        why = words.translate("ranking: {value} is not csat, nps or ces", value=repr(ranking))
        return _page(request, "problem.html", user, 400, why=why, store=None, field="ranking")
    sort = sort if sort in SORTS else "rank"
    few = request.app.state.min_cell
    if ranking:  # the whole ranking alone, a page at a time: none of the region's figures
        figures = {"group": group, "figures": None, "regions": {},
                   "stores": rankings(db, list(group.stores), now, sort, period)}  # fmt: skip
    else:
        figures = region_page(db, group, now, period, words.code, few, sort)
    shown = window(figures.pop("stores"), ranking, page, RANKED, RANK_PAGE)
    if page > shown.pages:
        why = words.translate("there is no page {page} of the stores; there are {pages}",
                              page=page, pages=shown.pages)  # fmt: skip
        return _page(request, "problem.html", user, 400, why=why, store=None, field="page")
    more = {"stores": shown.shown, "totals": shown.totals, "pages": shown.pages, "page": page,
            "one_ranking": ranking, "sort": sort, "period": period, "few": few}  # fmt: skip
    if ranking:
        return _page(request, "region.html", user, **figures, **more)
    days = figures["figures"].counted.days
    busy = busy_grid(db, group.store_ids, days[0], days[-1]) if heat == "busy" else None
    weekly = region_summary(db, group.id, group.name, group.stores, now, few)
    return _page(request, "region.html", user, **figures, **more, heat_by=heat,
                 heat_links=heat_links(request), busy=busy,
                 weekly=told(db, weekly, words))  # fmt: skip
