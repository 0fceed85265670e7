"""Dashboard routes: login and logout, all stores, one store, the fleet.

Every page but the login needs a logged-in user; forms carry a CSRF token kept in the
signed session. Wrong passwords are rate-limited per username.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from hq.credentials import check_password
from hq.dashboard import charts
from hq.dashboard.figures import fleet, headline, overview, store_page
from hq.deps import DB, Now
from hq.models import Store, User

templates = Jinja2Templates(directory=Path(__file__).with_name("templates"))
templates.env.globals.update(charts=charts, headline=headline)
router = APIRouter(include_in_schema=False)


def _csrf(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return token


def _check_csrf(request: Request, sent: str) -> bool:
    return secrets.compare_digest(sent or "", request.session.get("csrf") or "-")


def _page(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    user = request.session.get("user")
    context = {"user": user, "csrf": _csrf(request), **context}
    return templates.TemplateResponse(request, name, context, status_code=status)


def _user(request: Request) -> str | None:
    return request.session.get("user")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request):
    return _page(request, "login.html", error=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
):
    if not _check_csrf(request, csrf):
        return _page(request, "login.html", 403, error="The form expired; please try again.")
    if request.app.state.login_attempts.take(username.lower()):
        return _page(request, "login.html", 429, error="Too many tries; wait a minute.")
    user = session.get(User, username)
    if user is None or not check_password(user.password_hash, password):
        return _page(request, "login.html", 401, error="Wrong username or password.")
    request.session.clear()
    request.session["user"] = user.username
    _csrf(request)
    return RedirectResponse("/", status_code=303)


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = ""):
    if _check_csrf(request, csrf):
        request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def all_stores(request: Request, session: DB, now: Now):
    if not _user(request):
        return RedirectResponse("/login", status_code=303)
    devices = fleet(session, now)
    return _page(
        request,
        "overview.html",
        stores=overview(session, now),
        silent=[d for d in devices if d.silent],
        devices=len(devices),
    )


@router.get("/stores/{store_id}", response_class=HTMLResponse)
def one_store(store_id: str, request: Request, session: DB, now: Now):
    if not _user(request):
        return RedirectResponse("/login", status_code=303)
    store = session.get(Store, store_id)
    if store is None:
        return _page(request, "missing.html", 404, what=f"store {store_id}")
    return _page(request, "store.html", **store_page(session, store, now))


@router.get("/fleet", response_class=HTMLResponse)
def fleet_page(request: Request, session: DB, now: Now):
    if not _user(request):
        return RedirectResponse("/login", status_code=303)
    stores = session.scalars(select(Store).order_by(Store.name)).all()
    return _page(request, "fleet.html", devices=fleet(session, now), stores=stores)
