"""The second factor's pages (:mod:`hq.people.auth.totp`).

- ``/login/code``: after the right password of a user with a second factor, the code (or a
  recovery code); for a user an admin requires one of who has none yet, setting it up
  (the QR code, then a code) before any page. The password step leaves only a signed note
  in the cookie, good for :data:`PENDING_FOR`; the session starts after the code.
- ``/account``: the logged-in user's own page: turn the second factor on (QR code of the
  ``otpauth://`` URI, then a code, then the recovery codes, shown once) or off (with a
  code; not when an admin requires it).
- ``/admin/users/{username}/totp/require`` and ``…/totp/reset``: an admin's.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from hq.core.client_address import client_host
from hq.core.errors import HQError
from hq.core.language import N_
from hq.dashboard.admin_pages import ADMINS_ONLY, _show
from hq.dashboard.pages import EXPIRED, _check_csrf, _csrf, _page, _to_login, logged_in, speaks
from hq.people import sessions as login_sessions
from hq.people.auth import totp
from hq.people.auth.status import is_active
from hq.tables.people import OidcIdentity, User
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
PENDING_FOR = timedelta(minutes=5)
WRONG_CODE = N_("That code is not right; type the one your app shows now.")
TOO_MANY = N_("Too many wrong codes; try again in a quarter of an hour.")
REQUIRED = N_("An admin requires a second factor of you: set it up to go on.")
ON = N_("The second factor is on. Keep these recovery codes somewhere safe:")
OFF = N_("The second factor is off.")
CANNOT_OFF = N_("An admin requires a second factor of you; it cannot be turned off.")
SET_REQUIRED = N_("A second factor is now required of {username}.")
NOT_REQUIRED = N_("A second factor is no longer required of {username}.")
WAS_RESET = N_("The second factor of {username} is reset.")
Csrf = Annotated[str, Form(max_length=100)]
Code = Annotated[str, Form(max_length=40)]


def _pending(request: Request, now: datetime) -> str | None:
    note = request.session.get("pending")
    if not (isinstance(note, list) and len(note) == 2 and isinstance(note[0], str)):
        return None
    if not isinstance(note[1], int | float) or now.timestamp() - note[1] > PENDING_FOR.seconds:
        return None
    return note[0]


def _begin(request: Request, db: DB, lock: WriteLock, username: str, now: Now) -> None:
    if not is_active(db.get(User, username)):  # deactivated since the password
        request.session.clear()
        return
    with lock:
        sid = login_sessions.start(db, username, now)
    request.session.clear()
    request.session["sid"] = sid
    _csrf(request)


def _setup_context(db: DB, username: str) -> dict:
    secret = totp.pending_secret(db, username)
    link = totp.uri(username, secret)
    return {"secret": secret, "qr": totp.qr_svg(link)}


@router.get("/login/code", response_class=HTMLResponse)
def code_form(request: Request, db: DB, now: Now, lock: WriteLock):
    if (username := _pending(request, now)) is None:
        return _to_login()
    step = totp.login_step(db, username)
    if step is None:
        return _to_login()
    if step == "setup":
        with lock:
            if totp.pending_secret(db, username) is None:
                totp.start(db, username)
        words = speaks(request, None)
        context = _setup_context(db, username)
        return _page(request, "totp_setup.html", None, notice=words.gettext(REQUIRED),
                     action="/login/code/setup", error=None, codes=None, **context)  # fmt: skip
    return _page(request, "login_code.html", None, error=None)


@router.post("/login/code", response_class=HTMLResponse)
def code_sent(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", code: Code = ""
):
    words = speaks(request, None)
    if (username := _pending(request, now)) is None:
        return _to_login()
    if not _check_csrf(request, csrf):
        return _page(request, "login_code.html", None, 403, error=words.gettext(EXPIRED))
    ok = totp.check_code(db, lock, username, code, client_host(request), now)
    if ok is None:
        return _page(request, "login_code.html", None, 429, error=words.gettext(TOO_MANY))
    if not ok:
        return _page(request, "login_code.html", None, 401, error=words.gettext(WRONG_CODE))
    _begin(request, db, lock, username, now)
    return RedirectResponse("/", status_code=303)


@router.post("/login/code/setup", response_class=HTMLResponse)
def code_setup(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", code: Code = ""
):
    words = speaks(request, None)
    if (username := _pending(request, now)) is None or totp.login_step(db, username) != "setup":
        return _to_login()
    if not _check_csrf(request, csrf) or totp.pending_secret(db, username) is None:
        return _page(request, "login_code.html", None, 403, error=words.gettext(EXPIRED))
    try:
        with lock:
            codes = totp.confirm(db, username, code, now)
    except HQError:
        db.rollback()
        return _page(request, "totp_setup.html", None, 400, notice=None, codes=None,
                     action="/login/code/setup", error=words.gettext(WRONG_CODE),
                     **_setup_context(db, username))  # fmt: skip
    _begin(request, db, lock, username, now)
    return _page(request, "totp_setup.html", None, notice=words.gettext(ON), codes=codes,
                 action=None, error=None, secret=None, qr=None)  # fmt: skip


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: DB, now: Now, lock: WriteLock):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    return _account(request, db, user)


def _account(request, db, user, status: int = 200, **extra) -> HTMLResponse:
    name = user.username
    sso = db.scalar(select(OidcIdentity.username).where(OidcIdentity.username == name))
    context = {
        "sso": sso is not None,
        "on": totp.is_on(db, name),
        "required": totp.is_required(db, name),
        "left": totp.recovery_left(db, name),
        "secret": None, "qr": None, "codes": None, "error": None, "notice": None,
        **extra,
    }  # fmt: skip
    return _page(request, "account.html", user, status, **context)


def _own(request: Request, db: DB, now: Now, lock: WriteLock, csrf: str):
    """The logged-in user, if the form's CSRF token is good; else the answer to give."""
    if not (user := logged_in(request, db, now, lock)):
        return None, _to_login()
    if not _check_csrf(request, csrf):
        why = speaks(request, user).gettext(EXPIRED)
        return None, _page(request, "problem.html", user, 403, why=why, store=None)
    return user, None


@router.post("/account/totp/start", response_class=HTMLResponse)
def account_start(request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    user, answer = _own(request, db, now, lock, csrf)
    if user is None:
        return answer
    if not totp.is_on(db, user.username):
        with lock:
            totp.start(db, user.username)
    return _account(request, db, user, **_setup_context(db, user.username))


@router.post("/account/totp/confirm", response_class=HTMLResponse)
def account_confirm(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", code: Code = ""
):
    user, answer = _own(request, db, now, lock, csrf)
    if user is None:
        return answer
    words = speaks(request, user)
    try:
        with lock:
            codes = totp.confirm(db, user.username, code, now)
    except HQError:
        db.rollback()
        if totp.pending_secret(db, user.username) is None:
            return _account(request, db, user, 400, error=words.gettext(WRONG_CODE))
        context = _setup_context(db, user.username)
        return _account(request, db, user, 400, error=words.gettext(WRONG_CODE), **context)
    return _account(request, db, user, codes=codes, notice=words.gettext(ON))


@router.post("/account/totp/off", response_class=HTMLResponse)
def account_off(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", code: Code = ""
):
    user, answer = _own(request, db, now, lock, csrf)
    if user is None:
        return answer
    words = speaks(request, user)
    if totp.is_required(db, user.username):
        return _account(request, db, user, 400, error=words.gettext(CANNOT_OFF))
    ok = totp.check_code(db, lock, user.username, code, client_host(request), now)
    if not ok:
        status, why = (429, TOO_MANY) if ok is None else (400, WRONG_CODE)
        return _account(request, db, user, status, error=words.gettext(why))
    with lock:
        totp.turn_off(db, user.username)
    return _account(request, db, user, notice=words.gettext(OFF))


def _admin(request, db, now, lock, csrf, change, done: str, username: str):
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not user.access.is_admin:
        return _page(request, "problem.html", user, 403, why=words.gettext(ADMINS_ONLY), store=None)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    try:
        with lock:
            change()
    except HQError as e:
        db.rollback()
        return _page(request, "problem.html", user, 400, why=str(e), store=None, field="username")
    return _show(request, db, user, notice=words.translate(done, username=username))


@router.post("/admin/users/{username}/totp/require", response_class=HTMLResponse)
def admin_require(
    username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    required: Annotated[str, Form(max_length=8)] = "",
):  # fmt: skip
    wanted = required == "yes"
    done = SET_REQUIRED if wanted else NOT_REQUIRED
    change = lambda: totp.require(db, username, wanted)  # noqa: E731
    return _admin(request, db, now, lock, csrf, change, done, username)


@router.post("/admin/users/{username}/totp/reset", response_class=HTMLResponse)
def admin_reset(
    username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""
):
    change = lambda: totp.reset(db, username)  # noqa: E731
    return _admin(request, db, now, lock, csrf, change, WAS_RESET, username)
