"""``/chain/stores``: stores from the browser, for admins and managers (:mod:`hq.fleet.chain`).

``GET /chain/stores`` lists the stores the reader may change (an admin's retired ones
last, marked) with a form to add one; ``GET /chain/stores/{id}`` is one store's page:
its name, region, time zone, weekly hours, exceptions, kiosks, and the button that
retires it. Each form posts to its own route with the page's CSRF token and comes back
to the store's page; a refusal is a page naming the field (400), or saying the store is
not theirs (403) or not there (404), and nothing changes. An analyst changes nothing.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from hq.core.language import N_
from hq.core.paging import pages_of
from hq.dashboard.chain.forms import change, forbidden, may_manage
from hq.dashboard.chain.kiosks_page import kiosks_of
from hq.dashboard.chain.touchpoints_page import link_of
from hq.dashboard.pages import Reader, _page, _to_login, logged_in, speaks
from hq.fleet.chain import hours as chain_hours
from hq.fleet.chain import stores as chain_stores
from hq.fleet.problems import BadParameter, choose_scope
from hq.fleet.touchpoints import KIND_NAMES, STAGES, touchpoints_of
from hq.tables.models import Region, Store
from hq.web.deps import DB, Now, WriteLock
from kiosk.timekeeping.hours import WEEKDAYS

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=200)]
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=100)]
PAGE = 50  # stores a page of the list
DAY_NAMES = {"mon": N_("Monday"), "tue": N_("Tuesday"), "wed": N_("Wednesday"),
             "thu": N_("Thursday"), "fri": N_("Friday"), "sat": N_("Saturday"),
             "sun": N_("Sunday")}  # fmt: skip


def _regions(db: DB, user: Reader) -> list[Region]:
    """The regions *user* may put a store in, by name."""
    regions = db.scalars(select(Region).order_by(Region.name, Region.id)).all()
    return [r for r in regions if user.access.places(r.id)]


@router.get("/chain/stores", response_class=HTMLResponse)
def stores_page(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    q: Annotated[str, Query(max_length=200, description="part of a name or id")] = "",
    region: Annotated[str, Query(max_length=64, description="a region's stores")] = "",
    page: Annotated[int, Query(ge=1, le=100_000, description="page of the stores")] = 1,
):
    """The stores the reader may change, :data:`PAGE` a page; those whose name or id holds
    ``q``, or of ``region`` (its sub-regions' too), if given."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if not may_manage(user):
        return forbidden(request, user)
    words = speaks(request, user)
    every = [s for s in chain_stores.stores_for(db, user.access) if user.access.acts_on(s.id)]
    try:  # a region to list by is decided as on the fleet page
        within, _, filters = choose_scope(db, user.access, "", region, "")
    except BadParameter as e:
        why = words.translate(e.text, **e.values)
        return _page(request, "problem.html", user, 400, why=why, store=None, field=e.field)
    found = chain_stores.matching(every, q, within.stores)
    pages = pages_of(len(found), PAGE)
    if page > pages:
        why = words.translate(
            "there is no page {page} of the stores; there are {pages}", page=page, pages=pages
        )
        return _page(request, "problem.html", user, 400, why=why, store=None, field="page")
    names = {r.id: r.name for r in db.scalars(select(Region))}
    return _page(
        request, "chain_stores.html", user, stores=found[(page - 1) * PAGE : page * PAGE],
        total=len(every), found=len(found), q=q, region=region, page=page, pages=pages,
        region_names=names, filters=filters, regions=_regions(db, user),
        chain_ok=user.access.places(None),
    )  # fmt: skip


@router.post("/chain/stores", response_class=HTMLResponse)
def new_store(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    store_id: Annotated[str, Form(alias="id", max_length=64)] = "",
    name: Text = "", timezone: Short = "", region: Short = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        tz = timezone or "Europe/Helsinki"
        chain_stores.create_store(db, user.access, store_id, name, tz, region, now)
        return f"/chain/stores/{store_id}"

    return change(request, db, now, lock, csrf, work)


@router.get("/chain/stores/{store_id}", response_class=HTMLResponse)
def store_page(store_id: str, request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    store = db.get(Store, store_id) if user.access.sees(store_id) else None
    if store is None or (store.retired_at and not user.access.is_admin):
        return _page(request, "missing.html", user, 404, store_id=store_id)
    if not may_manage(user) or not user.access.acts_on(store_id):
        return forbidden(request, user)
    words = speaks(request, user)
    region = db.get(Region, store.region_id) if store.region_id else None
    return _page(
        request, "chain_store.html", user, store=store, region=region,
        regions=_regions(db, user), chain_ok=user.access.places(None),
        week=chain_hours.weekly_hours(db, store_id),
        day_names={d: words.gettext(DAY_NAMES[d]) for d in WEEKDAYS},
        exceptions=chain_hours.exceptions_list(db, store_id),
        kiosks=kiosks_of(db, user, store, now), now=now,
        touchpoints=[(d, link_of(request, d) if d.code else "")
                     for d in touchpoints_of(db, user.access, store_id)],
        stages={k: words.gettext(v) for k, v in STAGES.items()},
        kinds={k: words.gettext(v) for k, v in KIND_NAMES.items()},
        others=[s for s in chain_stores.stores_for(db, user.access)
                if s.id != store_id and s.retired_at is None and user.access.acts_on(s.id)],
    )  # fmt: skip


def _back(store_id: str, part: str = "") -> str:
    return f"/chain/stores/{store_id}" + (f"#{part}" if part else "")


@router.post("/chain/stores/{store_id}/name", response_class=HTMLResponse)
def store_name(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    name: Text = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_stores.rename_store(db, user.access, store_id, name, now)
        return _back(store_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/stores/{store_id}/region", response_class=HTMLResponse)
def store_region(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    region: Short = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_stores.move_store(db, user.access, store_id, region, now)
        return _back(store_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/stores/{store_id}/timezone", response_class=HTMLResponse)
def store_timezone(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    timezone: Short = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_stores.set_timezone(db, user.access, store_id, timezone, now)
        return _back(store_id)

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/stores/{store_id}/hours", response_class=HTMLResponse)
def store_hours(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    mon: Text = "", tue: Text = "", wed: Text = "", thu: Text = "", fri: Text = "",
    sat: Text = "", sun: Text = "",
):  # fmt: skip
    given = dict(zip(WEEKDAYS, (mon, tue, wed, thu, fri, sat, sun), strict=True))

    def work(user: Reader) -> str:
        days = {d: t for d, t in given.items() if t.strip()}
        chain_hours.set_weekly_hours(db, user.access, store_id, days, now)
        return _back(store_id, "hours")

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/stores/{store_id}/exceptions", response_class=HTMLResponse)
def store_exception(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    day: Short = "", hours: Text = "", note: Text = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_hours.set_exception(db, user.access, store_id, day, hours, note, now)
        return _back(store_id, "exceptions")

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/stores/{store_id}/exceptions/{day}/remove", response_class=HTMLResponse)
def store_exception_remove(
    store_id: str, day: str, request: Request, db: DB, now: Now, lock: WriteLock,
    csrf: Csrf = "",
):  # fmt: skip
    def work(user: Reader) -> str:
        chain_hours.remove_exception(db, user.access, store_id, day, now)
        return _back(store_id, "exceptions")

    return change(request, db, now, lock, csrf, work)


@router.post("/chain/stores/{store_id}/retire", response_class=HTMLResponse)
def store_retire(
    store_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    def work(user: Reader) -> str:
        chain_stores.retire_store(db, user.access, store_id, now)
        return "/chain/stores"

    return change(request, db, now, lock, csrf, work)
