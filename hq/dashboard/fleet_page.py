"""The fleet page, ``/fleet``: counts of the kiosks' problems first, then the kiosks with a
problem, then the others, a page at a time; filtered by store, region and problem with
GET parameters, so links and the filter form work without JavaScript (issue 31).

Counts and the page come from SQL (:mod:`hq.fleet.problems`); the rows of one page are
read in full. A reader sees the kiosks of their stores (:mod:`hq.people.access`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hq.core.language import N_
from hq.dashboard.pages import _page, _to_login, logged_in, speaks
from hq.fleet.added import added
from hq.fleet.problems import (
    LABELS,
    PER_PAGE,
    BadParameter,
    choose_scope,
    fleet_page,
    page_number,
)
from hq.fleet.rollouts import progress, updates
from hq.insight.chain_health import lacking
from hq.insight.figures import fleet
from hq.tables.models import Store
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)


@router.get("/fleet", response_class=HTMLResponse)
def fleet_view(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    store: str = "",
    region: str = "",
    problem: str = "",
    page: str = "1",
    silent: str = "",
):
    """The fleet: counts of problems, then a page of kiosks, problems first; ``store``,
    ``region`` and ``problem`` filter it, ``page`` pages it; ``?silent=1`` is
    ``?problem=silent`` (the all-stores page's banner links it)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if silent not in ("", "0") and not problem:
        problem = "silent"
    try:
        number = page_number(page)
        scope, stores, regions = choose_scope(db, user.access, store, region, problem)
        view = fleet_page(db, now, scope, problem, number)
        if number > view.pages:
            raise BadParameter(
                "page", N_("there is no page {page} of the kiosks; there are {pages}"),
                page=number, pages=view.pages,
            )  # fmt: skip
    except BadParameter as e:
        why = words.translate(e.text, **e.values)
        return _page(request, "problem.html", user, 400, why=why, store=None, field=e.field)
    ids = [row.device_id for row in view.rows]
    only = user.access.stores
    filters = {k: v for k, v in (("store", store), ("region", region)) if v}
    lack = [] if user.access.role != "admin" else _lacking(db, only)
    return _page(
        request, "fleet.html", user, devices=fleet(db, now, ids=ids), view=view,
        problems={row.device_id: row.problems for row in view.rows}, labels=LABELS,
        stores=stores, regions=regions, store=store, region=region, problem=problem,
        link=lambda **more: _link(filters, more),
        added=added(db, ids=ids), updates=updates(db, ids=ids), lacking=lack,
        rollouts=progress(db, only), now=now, per_page=PER_PAGE,
    )  # fmt: skip


def _link(filters: dict[str, str], more: dict[str, object]) -> str:
    """The fleet page's address with the reader's filters and *more* (empty ones left out)."""
    query = urlencode({**filters, **{k: v for k, v in more.items() if v}})
    return "/fleet?" + query if query else "/fleet"


def _lacking(db: DB, only: frozenset[str] | None) -> list[tuple[str, str, object]]:
    """(device, store name, completeness) of each kiosk of the stores *only* that lacks
    ratings, for the write-off form: only those SQL finds may lack something are read."""
    names = dict(db.execute(select(Store.id, Store.name)).all())
    out = []
    for store_id, found in sorted(lacking(db).items(), key=lambda kv: names.get(kv[0], "")):
        if only is None or store_id in only:
            out.extend((c.device_id, names.get(store_id, store_id), c) for c in found)
    return out
