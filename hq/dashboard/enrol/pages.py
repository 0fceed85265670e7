"""``/enrolment-codes``: an admin (every store) or a manager (their stores) makes enrol
codes, sees them with their uses left and expiry, and revokes them.

Making a code answers with the page printed for the installer: the code, HQ's address,
the store, the expiry, the uses and the QR code of the enrolment link
(:mod:`kiosk.settings.enrol_link`), in the language picked on the form. HQ keeps only the
code's hash, so that page is shown once (and not cached); a lost printout is revoked and
replaced. HQ's address is ``HYMIO_HQ_URL`` when set (HQ behind a proxy), else the address
the browser used.

Anyone else gets a 403 page; a store or code outside the reader's part is a 400 or 404 as
for one that does not exist. Bad input is a 400 page naming the field, nothing made.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from hq.core.errors import HQError
from hq.core.language import LANGUAGES, N_, language
from hq.core.speaking import speaking
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.fleet.enrol_codes import (
    MANAGES,
    UnknownCodeError,
    hq_address,
    list_codes,
    manages,
    new_code,
    qr_svg,
    revoke_code,
)
from hq.fleet.enrolment import MAX_DAYS, MAX_USES
from hq.tables.models import Store
from hq.web.deps import DB, Now, WriteLock
from kiosk.timekeeping.localtime import parse_utc_text

router = APIRouter(include_in_schema=False)
MANAGERS_ONLY = N_("Only an admin or a store's manager may manage enrol codes.")
NO_CODE = N_("There is no such enrol code.")
STATES = {
    "active": N_("Active"),
    "used_up": N_("Used up"),
    "expired": N_("Expired"),
    "revoked": N_("Revoked"),
}
Csrf = Annotated[str, Form(max_length=100)]
Short = Annotated[str, Form(max_length=64)]


def local_time(utc_text: str, timezone: str) -> tuple[str, str]:
    """The day (ISO) and the time of day (HH:MM) of *utc_text* in *timezone*."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    at: datetime = parse_utc_text(utc_text).astimezone(zone)
    return at.date().isoformat(), at.strftime("%H:%M")


def _manager(request: Request, db: DB, now: Now, lock: WriteLock) -> Reader | HTMLResponse:
    """The logged-in admin or manager; else the login page or a 403 page."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    if user.access.role not in MANAGES:
        why = speaks(request, user).gettext(MANAGERS_ONLY)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    return user


def _list(request: Request, db: DB, user: Reader, now: datetime, status: int = 200, **extra):
    stores = db.scalars(select(Store).order_by(Store.name, Store.id))
    stores = [s for s in stores if manages(user.access, s.id)]
    zones = {s.id: s.timezone for s in stores}
    codes = [
        (row, local_time(row.expires_at, zones.get(row.store_id, "UTC")))
        for row in list_codes(db, user.access, now)
    ]
    return _page(
        request, "enrol_codes.html", user, status,
        stores=stores, codes=codes, states=STATES, max_uses=MAX_USES, max_days=MAX_DAYS,
        print_languages=LANGUAGES, chosen_print=speaks(request, user).code, **extra,
    )  # fmt: skip


@router.get("/enrolment-codes", response_class=HTMLResponse)
def codes_page(request: Request, db: DB, now: Now, lock: WriteLock):
    user = _manager(request, db, now, lock)
    if isinstance(user, HTMLResponse | RedirectResponse):
        return user
    return _list(request, db, user, now)


@router.post("/enrolment-codes", response_class=HTMLResponse)
def make_code_page(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    store: Short = "", uses: Short = "1", days: Short = "7", print_language: Short = "",
):  # fmt: skip
    user = _manager(request, db, now, lock)
    if isinstance(user, HTMLResponse | RedirectResponse):
        return user
    if not _check_csrf(request, csrf):
        why = speaks(request, user).gettext(EXPIRED)
        return _page(request, "problem.html", user, 403, why=why, store=None)
    if print_language and print_language not in LANGUAGES:
        why = f"print_language: {print_language[:20]!r} is not one of {', '.join(LANGUAGES)}"
        return _page(request, "problem.html", user, 400, why=why, store=None)
    try:
        with lock:
            made = new_code(db, user.access, store, uses, days, now)
    except HQError as e:
        db.rollback()
        return _page(request, "problem.html", user, 400, why=str(e), store=None)
    where = db.get(Store, made.store_id)
    printed = language(print_language) if print_language else speaks(request, user)
    address = hq_address(str(request.base_url))
    link = made.link(address)
    day, time = local_time(made.expires_at, where.timezone)
    return _page(
        request, "enrol_print.html", user, 200, headers={"Cache-Control": "no-store"},
        made=made, store=where, hq=address, link=link, expires_day=day, expires_time=time,
        qr=qr_svg(link, printed.gettext("QR code of the enrolment link")),
        **speaking(printed),
    )  # fmt: skip


@router.post("/enrolment-codes/{code_id}/revoke", response_class=HTMLResponse)
def revoke_page(code_id: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    user = _manager(request, db, now, lock)
    if isinstance(user, HTMLResponse | RedirectResponse):
        return user
    words = speaks(request, user)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    try:
        with lock:
            revoke_code(db, user.access, int(code_id) if code_id.isdecimal() else -1, now)
    except UnknownCodeError:
        db.rollback()
        return _page(request, "problem.html", user, 404, why=words.gettext(NO_CODE), store=None)
    return RedirectResponse("/enrolment-codes", status_code=303)
