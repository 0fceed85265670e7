"""Dashboard routes: login and logout, all stores, one store, the fleet.

Every page but the login needs a live session (:mod:`hq.login_sessions`): the signed
cookie carries the session's id and a CSRF token that every form sends back. Logins are
checked and throttled by :mod:`hq.dashboard.login`.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from hq import login_sessions
from hq.dashboard import charts
from hq.dashboard.chain import (
    PAGE,
    SORTS,
    incomplete_by_store,
    last_days,
    rankings,
    store_table,
)
from hq.dashboard.enrolments import added
from hq.dashboard.figures import fleet, headline, store_page
from hq.dashboard.login import check_login
from hq.dashboard.period import choose
from hq.dashboard.rollouts import progress, updates
from hq.dashboard.splits import choose_split
from hq.deps import DB, Now, WriteLock
from hq.models import Store
from hq.ratelimit import retry_after
from hq.reports import today
from hq.wire import Day

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.globals.update(charts=charts, headline=headline)
router = APIRouter(include_in_schema=False)
WRONG = "Wrong username or password."


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not isinstance(token, str) or not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def _check_csrf(request: Request, sent: str) -> bool:
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not expected:
        return False
    return secrets.compare_digest(sent.encode("utf-8", "replace"), expected.encode("utf-8"))


def _page(
    request: Request, name: str, user: str | None, status: int = 200, headers=None, **context
) -> HTMLResponse:
    context = {"user": user, "csrf": _csrf(request), **context}
    return templates.TemplateResponse(request, name, context, status_code=status, headers=headers)


def logged_in(request: Request, db: DB, now: Now, lock: WriteLock) -> str | None:
    """The user of this request's live session, or ``None`` (and the cookie forgets it)."""
    user = login_sessions.user_of(db, request.session.get("sid"), now, lock)
    if user is None:
        request.session.pop("sid", None)
    return user


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request):
    return _page(request, "login.html", None, error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    if not _check_csrf(request, csrf):
        return _page(request, "login.html", None, 403, error="The form expired; please try again.")
    host = request.client.host if request.client else None
    outcome = check_login(db, lock, username, password, host, now)
    if outcome.wait:
        wait = retry_after(outcome.wait)
        minutes = -(-int(wait) // 60)
        error = f"Too many failed logins from here; try again in {minutes} min."
        headers = {"Retry-After": wait}
        return _page(request, "login.html", None, 429, headers=headers, error=error)
    if outcome.username is None:
        return _page(request, "login.html", None, 401, error=WRONG)
    with lock:
        login_sessions.end(db, request.session.get("sid"))  # a login on top of another
        sid = login_sessions.start(db, outcome.username, now)
    request.session.clear()
    request.session["sid"] = sid
    _csrf(request)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(
    request: Request, db: DB, lock: WriteLock, csrf: Annotated[str, Form(max_length=100)] = ""
):
    if _check_csrf(request, csrf):
        with lock:
            login_sessions.end(db, request.session.get("sid"))
        request.session.clear()
    return _to_login()


@router.get("/", response_class=HTMLResponse)
def all_stores(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    page: Annotated[int, Query(ge=1, le=100_000, description="page of the table by name")] = 1,
    sort: Annotated[str, Query(max_length=20)] = "rank",
):
    """Every store: the rankings (all stores) and a page of the table by name."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    devices = fleet(db, now)
    every = db.scalars(select(Store).order_by(Store.name, Store.id)).all()
    pages = max(1, -(-len(every) // PAGE))
    if page > pages:
        why = f"there is no page {page} of the stores; there are {pages}"
        return _page(request, "problem.html", user, 400, why=why, store=None)
    shown = store_table(db, every[(page - 1) * PAGE : page * PAGE], now)
    return _page(
        request,
        "overview.html",
        user,
        stores=shown,
        ranking=rankings(db, every, now, sort),
        sort=sort if sort in SORTS else "rank",
        page=page,
        pages=pages,
        silent=[d for d in devices if d.silent],
        devices=len(devices),
        incomplete=incomplete_by_store([(s, last_days(s, now)) for s in every], devices, now),
    )


@router.get("/stores/{store_id}", response_class=HTMLResponse)
def one_store(
    store_id: str,
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    first: Annotated[Day | None, Query(alias="from", description="first local day")] = None,
    last: Annotated[Day | None, Query(alias="to", description="last local day")] = None,
    compare: Annotated[str, Query(max_length=20)] = "previous",
    kiosk: Annotated[str | None, Query(max_length=64, description="one kiosk only")] = None,
    asked: Annotated[
        str | None,
        Query(max_length=200, description="one question version: SURVEY/QUESTION/VERSION"),
    ] = None,
):
    """A store's page, over the last 30 days or the days ``from`` … ``to`` (at most 366),
    compared with the period before or (``compare=year``) the same days a year before;
    of one kiosk (``kiosk``) or one question version (``asked``) if given."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    store = db.get(Store, store_id)
    if store is None:
        return _page(request, "missing.html", user, 404, what=f"store {store_id}")
    try:
        period = choose(today(store, now), first, last, compare)
        split = choose_split(db, store, kiosk, asked)
    except ValueError as e:
        return _page(request, "problem.html", user, 400, why=str(e), store=store)
    figures = store_page(db, store, now, request.app.state.min_cell, period, split)
    return _page(
        request, "store.html", user, **figures, period=period, added=added(db, store.id),
        updates=updates(db, store.id),
    )  # fmt: skip


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    stores = db.scalars(select(Store).order_by(Store.name)).all()
    devices = fleet(db, now)
    releases = updates(db)
    return _page(
        request, "fleet.html", user, devices=devices, stores=stores, added=added(db),
        updates=releases, rollouts=progress(db, releases),
    )  # fmt: skip
