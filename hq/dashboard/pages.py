"""Dashboard routes: login and logout, all stores, one store (the fleet: :mod:`.fleet_page`).

Every page but the login needs a live session (:mod:`hq.people.sessions`): the signed
cookie carries the session's id and a CSRF token that every form sends back. Logins are
checked and throttled by :mod:`hq.people.login`.

Each page speaks its reader's language (:mod:`hq.core.language`): the one they
picked in the header, else the one their browser asks for, else English.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import Field

from hq.actions.log import actions_between, messages_of
from hq.core.client_address import client_host
from hq.core.errors import LanguageError, PeriodError
from hq.core.language import LANGUAGES, N_, Language, language, negotiate
from hq.core.paging import pages_of
from hq.core.speaking import speaking
from hq.dashboard.heat import HeatBy, heat_links, heat_problem
from hq.dashboard.regions import landing
from hq.dashboard.templating import make_templates
from hq.fleet.added import added
from hq.fleet.rollouts import updates
from hq.fleet.touchpoints import KIND_NAMES, STAGES
from hq.ingest.ratelimit import retry_after
from hq.ingest.wire import Day
from hq.insight.business.action_effects import effects_of
from hq.insight.business.busyness import busy_grid, by_busyness
from hq.insight.business.rates import store_rates
from hq.insight.channels import channel_split
from hq.insight.comments import store_topics
from hq.insight.counts import today
from hq.insight.exports.labels import ReasonLabels
from hq.insight.figures import DAY_PAGE, store_page
from hq.insight.period import choose
from hq.insight.splits import choose_split
from hq.insight.weekly.summary import store_summary
from hq.insight.weekly.words import told
from hq.people import sessions as login_sessions
from hq.people.access import Access, user_access
from hq.people.admin import set_language
from hq.people.auth.totp import login_step
from hq.people.login import check_login
from hq.tables.models import Store
from hq.tables.people import User
from hq.web.deps import DB, Now, WriteLock

templates = make_templates()
Weekday = Annotated[int, Field(ge=0, le=6)]
router = APIRouter(include_in_schema=False)
WRONG = N_("Wrong username or password.")
EXPIRED = N_("The form expired; please try again.")
TOO_MANY = N_("Too many failed logins from here; try again in {minutes} min.")


@dataclass(frozen=True)
class Reader:
    """The logged-in user of a request, the language they picked ("": the browser's) and
    what they may see and do."""

    username: str
    language: str
    access: Access


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


def speaks(request: Request, reader: Reader | None) -> Language:
    """The language of *reader*'s pages: theirs, else the browser's, else English."""
    chosen = reader.language if reader else ""
    if chosen not in LANGUAGES:
        chosen = negotiate(request.headers.get("accept-language"))
    return language(chosen)


def _page(
    request: Request, name: str, user: Reader | None, status: int = 200, headers=None, **context
) -> HTMLResponse:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if request.method != "GET":  # the picker on a form's answer goes back to the front page
        here = "/"
    context = {
        **speaking(speaks(request, user)),
        "user": user.username if user else None,
        "role": user.access.role if user else None,
        "chosen": user.language if user else "",
        "here": here,
        "csrf": _csrf(request),
        **context,
    }
    return templates.TemplateResponse(request, name, context, status_code=status, headers=headers)


def logged_in(request: Request, db: DB, now: Now, lock: WriteLock) -> Reader | None:
    """The user of this request's live session, or ``None`` (and the cookie forgets it)."""
    username = login_sessions.user_of(db, request.session.get("sid"), now, lock)
    user = db.get(User, username) if username is not None else None
    if user is None:
        request.session.pop("sid", None)
        return None
    return Reader(user.username, user.language or "", user_access(db, user))


def store_for(db: DB, user: Reader, store_id: str) -> Store | None:
    """The store *store_id* if *user* may see it; ``None`` (a 404 page, as for a store
    that does not exist) otherwise."""
    return db.get(Store, store_id) if user.access.sees(store_id) else None


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
    words = speaks(request, None)
    if not _check_csrf(request, csrf):
        return _page(request, "login.html", None, 403, error=words.gettext(EXPIRED))
    outcome = check_login(db, lock, username, password, client_host(request), now)
    if outcome.wait:
        wait = retry_after(outcome.wait)
        error = words.translate(TOO_MANY, minutes=-(-int(wait) // 60))
        headers = {"Retry-After": wait}
        return _page(request, "login.html", None, 429, headers=headers, error=error)
    if outcome.username is None:
        return _page(request, "login.html", None, 401, error=words.gettext(WRONG))
    if login_step(db, outcome.username):  # a second factor first (hq.dashboard.people)
        request.session.clear()
        request.session["pending"] = [outcome.username, now.timestamp()]
        _csrf(request)
        return RedirectResponse("/login/code", status_code=303)
    with lock:
        login_sessions.end(db, request.session.get("sid"))  # a login on top of another
        sid = login_sessions.start(db, outcome.username, now)
    request.session.clear()
    request.session["sid"] = sid
    _csrf(request)
    user = db.get(User, outcome.username)
    return RedirectResponse(landing(user_access(db, user)), status_code=303)


@router.post("/logout")
def logout(
    request: Request, db: DB, lock: WriteLock, csrf: Annotated[str, Form(max_length=100)] = ""
):
    if _check_csrf(request, csrf):
        with lock:
            login_sessions.end(db, request.session.get("sid"))
        request.session.clear()
    return _to_login()


def _back_to(path: str) -> str:
    """*path* if it is a page of this site (not ``//elsewhere``), else the front page."""
    outside = path.startswith("//") or "\\" in path or not path.isprintable()
    return path if path.startswith("/") and not outside else "/"


@router.post("/language", response_class=HTMLResponse)
def choose_language(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    csrf: Annotated[str, Form(max_length=100)] = "",
    language: Annotated[str, Form(max_length=100)] = "",
    back: Annotated[str, Form(alias="next", max_length=2000)] = "/",
):
    """Save the language the logged-in user reads the dashboard in ("": the browser's)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    try:
        with lock:
            set_language(db, user.username, language, actor=user.access.who)
    except LanguageError:
        why = words.translate(
            "language: {value} is not one of {choices}; nothing was changed.",
            value=repr(language),
            choices=", ".join(LANGUAGES),
        )
        return _page(request, "problem.html", user, 400, why=why, store=None)
    return RedirectResponse(_back_to(back), status_code=303)


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
    hour_from: Annotated[str | None, Query(max_length=8, description="first hour, 0–23")] = None,
    hour_to: Annotated[str | None, Query(max_length=8, description="last hour, 0–23")] = None,
    weekday: Annotated[list[Weekday] | None, Query(max_length=7, description="0 = Monday")] = None,
    heat: HeatBy = "unhappy",
    page: Annotated[int, Query(ge=1, le=100, description="page of the daily table")] = 1,
):
    """A store's page, over the last 30 days or the days ``from`` … ``to`` (at most 366),
    compared with the period before or (``compare=year``) the same days a year before;
    of one kiosk (``kiosk``), one question version (``asked``), some hours of the day
    (``hour_from``–``hour_to``) or weekdays (``weekday``, repeated) if given; the heat
    map coloured by transactions per staff member with ``heat=busy``; its daily table a
    month a page, the latest first (``page``)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    store = store_for(db, user, store_id)
    words = speaks(request, user)
    if store is None:
        return _page(request, "missing.html", user, 404, store_id=store_id)
    try:
        period = choose(today(store, now), first, last, compare)
        split = choose_split(db, store, kiosk, asked, period, (hour_from, hour_to), weekday)
    except PeriodError as e:
        why = words.translate(e.text, **e.values)
        return _page(request, "problem.html", user, 400, why=why, store=store)
    if why := heat_problem(heat, words):
        return _page(request, "problem.html", user, 400, why=why, store=store, field="heat")
    if page > (pages := pages_of(len(period.days), DAY_PAGE)):
        why = words.translate(
            "there is no page {page} of the days; there are {pages}", page=page, pages=pages
        )
        return _page(request, "problem.html", user, 400, why=why, store=store, field="page")
    labels = ReasonLabels(db, words.code, [store.id])  # the reasons, the week, the comments
    figures = store_page(
        db, store, now, request.app.state.min_cell, period, split, words.code, page, labels
    )
    days = figures["figures"].counted.days
    return _page(
        request, "store.html", user, **figures, period=period, added=added(db, store.id),
        updates=updates(db, store.id), now=now, store_today=today(store, now),
        actions=(done := actions_between(db, store.id, period.first, period.last)),
        effects=effects_of(db, store, [a.day for a in done], today(store, now) - timedelta(days=1)),
        messages=messages_of(db, store.id), acts=user.access.acts_on(store.id),
        business=store_rates(db, store.id, period.first, period.last, split),
        bands=by_busyness(db, [store.id], period.first, period.last, figures["figures"].scale),
        min_cell=request.app.state.min_cell, heat_by=heat, heat_links=heat_links(request),
        busy=busy_grid(db, [store.id], period.first, period.last) if heat == "busy" else None,
        weekly=told(db, store_summary(db, store, now, request.app.state.min_cell), words, labels),
        channels=channel_split(db, store, days[0], days[-1], figures["figures"].scale,
                               request.app.state.min_cell, *split.where),
        stages=STAGES, kinds=KIND_NAMES,
        comment_topics=store_topics(db, user.access, store, period.first, period.last,
                                    request.app.state.min_cell, words.code, labels),
    )  # fmt: skip
