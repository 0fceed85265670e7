"""The admin's pages: users and their roles, regions and which region each store is in,
API tokens and their scopes (:mod:`hq.people.roles`); and the fleet page's form that
writes a kiosk's missing ratings off as lost for good (:mod:`hq.ingest.writeoffs`).

``GET /admin`` shows them; each form posts to its own route and comes back to ``/admin``.
Only an admin sees or sends any of them: anyone else gets a 403 page and nothing changes.
A refused change (a bad role, an unknown region, a loop) is a 400 page naming what is
wrong, and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from hq.core.errors import HQError
from hq.core.language import N_
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.ingest.writeoffs import WriteOffError, write_off
from hq.people import roles as people
from hq.people.access import ROLES
from hq.people.admin import add_api_token, add_user
from hq.tables.models import Region, Store
from hq.tables.people import ApiToken, SecondFactor, User
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
SCOPE_SELECT = 50  # parts of the chain a form offers in a select; more: a field with a list
ADMINS_ONLY = N_("Only an admin may manage users, regions and tokens.")
ROLE_NAMES = {"admin": N_("Admin"), "analyst": N_("Analyst"), "manager": N_("Manager")}
Text = Annotated[str, Form(max_length=200)]
Csrf = Annotated[str, Form(max_length=100)]


def _tree(db: DB) -> list[tuple[Region, int]]:
    """The regions in tree order, each with its depth."""
    regions = db.scalars(select(Region).order_by(Region.name, Region.id)).all()
    children: dict[str | None, list[Region]] = {}
    for r in regions:
        children.setdefault(r.parent_id, []).append(r)
    out: list[tuple[Region, int]] = []
    seen: set[str] = set()

    def walk(parent: str | None, depth: int) -> None:
        for r in children.get(parent, []):
            if r.id not in seen:
                seen.add(r.id)
                out.append((r, depth))
                walk(r.id, depth + 1)

    walk(None, 0)
    return out


def _show(request: Request, db: DB, user: Reader, status: int = 200, **extra) -> HTMLResponse:
    words = speaks(request, user)
    regions, stores = _tree(db), db.scalars(select(Store).order_by(Store.name, Store.id)).all()
    return _page(
        request, "admin.html", user, status,
        users=db.scalars(select(User).order_by(User.username)).all(),
        regions=regions, stores=stores,
        # a chain of many parts: one list for every form's field, not a select per form
        many_scopes=len(regions) + len(stores) > SCOPE_SELECT,
        tokens=db.scalars(select(ApiToken).order_by(ApiToken.name)).all(),
        roles=ROLES, role_names={r: words.gettext(ROLE_NAMES[r]) for r in ROLES},
        factors={f.username: f for f in db.scalars(select(SecondFactor))},
        **{"new_token": None, "notice": None, **extra},
    )  # fmt: skip


def _change(
    request: Request,
    db: DB,
    now: Now,
    lock: WriteLock,
    csrf: str,
    change: Callable[[Reader], object],
):
    """Run *change* (given the admin) for a logged-in admin with a good CSRF token; the
    page again after."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not user.access.is_admin:
        return _page(request, "problem.html", user, 403, why=words.gettext(ADMINS_ONLY), store=None)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    try:
        with lock:
            made = change(user)
    except HQError as e:
        db.rollback()
        return _page(request, "problem.html", user, 400, why=str(e), store=None)
    if isinstance(made, str):  # a new token: shown once, on the page itself
        return _show(request, db, user, new_token=made)
    return RedirectResponse("/admin", status_code=303)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if not user.access.is_admin:
        why = speaks(request, user).gettext(ADMINS_ONLY)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    return _show(request, db, user)


@router.post("/admin/users", response_class=HTMLResponse)
def new_user(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    username: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    role: Text = "", scope: Text = "", email: Annotated[str, Form(max_length=254)] = "",
):  # fmt: skip
    def change(admin: Reader) -> None:
        add_user(db, username, password, now, "", role, scope, email, actor=admin.access.who)

    return _change(request, db, now, lock, csrf, change)


@router.post("/admin/users/{username}/role", response_class=HTMLResponse)
def user_role(
    username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    role: Text = "", scope: Text = "", email: Annotated[str, Form(max_length=254)] = "",
):  # fmt: skip
    def change(admin: Reader) -> None:
        people.set_role(db, username, role, scope, email, actor=admin.access.who)

    return _change(request, db, now, lock, csrf, change)


@router.post("/admin/users/{username}/remove", response_class=HTMLResponse)
def remove_user(
    username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    def change(admin: Reader) -> None:
        if username == admin.username:
            raise HQError("you cannot remove yourself; another admin can")
        people.remove_user(db, username, actor=admin.access.who)

    return _change(request, db, now, lock, csrf, change)


@router.post("/admin/regions", response_class=HTMLResponse)
def new_region(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    region_id: Annotated[str, Form(alias="id", max_length=64)] = "",
    name: Text = "", parent: Text = "",
):  # fmt: skip
    def change(admin: Reader) -> None:
        people.add_region(db, region_id, name, parent, now, actor=admin.access.who)

    return _change(request, db, now, lock, csrf, change)


@router.post("/admin/tokens", response_class=HTMLResponse)
def new_token(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    name: Annotated[str, Form(max_length=64)] = "", scope: Text = "", role: Text = "analyst",
):  # fmt: skip
    def change(admin: Reader) -> str:
        return add_api_token(db, name, now, scope, role or "analyst", actor=admin.access.who)

    return _change(request, db, now, lock, csrf, change)


@router.post("/admin/tokens/{name}/remove", response_class=HTMLResponse)
def remove_token(name: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    def change(admin: Reader) -> None:
        people.remove_token(db, name, actor=admin.access.who)

    return _change(request, db, now, lock, csrf, change)


WRITE_OFF_ADMINS = N_("Only an admin may write ratings off as lost.")


@router.post("/fleet/write-offs", response_class=HTMLResponse)
def write_off_page(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", device: Text = "",
    first_seq: Text = "", last_seq: Text = "", reason: Text = "", database_id: Text = "",
):  # fmt: skip
    """Write off a range of a kiosk's ratings as lost for good; the fleet page again after,
    or a 400 page naming the field at fault (nothing changed)."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not user.access.is_admin:
        why = words.gettext(WRITE_OFF_ADMINS)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    try:
        seqs = [_seq(name, text) for name, text in (("first_seq", first_seq),
                                                      ("last_seq", last_seq))]  # fmt: skip
        with lock:
            write_off(db, device, *seqs, reason, user.username, now, database_id or None)
    except WriteOffError as e:
        db.rollback()
        return _page(request, "problem.html", user, 400, why=str(e), field=e.field, store=None)
    return RedirectResponse("/fleet", status_code=303)


def _seq(name: str, text: str) -> int:
    if not text.strip().isdigit():
        raise WriteOffError(name, f"{text!r} is not a seq (a whole number, 1 or more)")
    return int(text)
