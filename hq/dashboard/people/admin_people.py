"""The admin's invites, reset links and deactivation, on ``/admin``'s list of users.

- ``POST /admin/invites``: a new user (username, e-mail, role, part, language) who sets their
  own password from the mailed link;
- ``POST /admin/users/{username}/invite``: a fresh invite link; ``…/reset``: a link that
  sets a new password (the old one works until it is used);
- ``…/deactivate`` and ``…/reactivate``.

Only an admin sends any of them (a 403 page otherwise, nothing changed), with the form's
CSRF token. Bad input is a 400 page naming the field, nothing changed. A link is mailed only
when HQ has an SMTP server (``HYMIO_SMTP_HOST``): without one the page says so and nothing
changes; the link points at ``HYMIO_HQ_URL``, else where the admin reached HQ.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

from hq.core.errors import HQError
from hq.core.language import N_
from hq.core.mail import MailError
from hq.dashboard.admin_pages import ADMINS_ONLY, _show
from hq.dashboard.pages import EXPIRED, Reader, _check_csrf, _page, _to_login, logged_in, speaks
from hq.dashboard.people import mail_settings
from hq.people.auth.letters import NO_MAIL, deliver, hq_url
from hq.people.auth.links import Letter, admin_reset, invite, resend_invite
from hq.people.auth.status import deactivate, reactivate
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
SENT = N_("A link went to {address}; it works once, until {expires} UTC.")
MAIL_FAILED = N_("The change is made, but the mail could not be sent ({why}); send it again.")
DEACTIVATED = N_("{username} is deactivated: they cannot log in; {n} session(s) ended.")
REACTIVATED = N_("{username} may log in again.")
NO_SMTP = N_("HQ sends no e-mail: set HYMIO_SMTP_HOST (and HYMIO_SMTP_FROM) first.")
Text = Annotated[str, Form(max_length=200)]
Csrf = Annotated[str, Form(max_length=100)]


def _act(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: str,
    change: Callable[[Reader], object], mails: bool,
):  # fmt: skip
    """Run *change* (given the admin) for a logged-in admin with a good CSRF token; mail
    the :class:`Letter` it returns; the admin page again with what came of it."""
    if not (user := logged_in(request, db, now, lock)):
        return _to_login()
    words = speaks(request, user)
    if not user.access.is_admin:
        return _page(request, "problem.html", user, 403, why=words.gettext(ADMINS_ONLY), store=None)
    if not _check_csrf(request, csrf):
        return _page(request, "problem.html", user, 403, why=words.gettext(EXPIRED), store=None)
    settings = mail_settings(request) if mails else None
    if mails and settings is None:
        return _page(request, "problem.html", user, 400, why=words.gettext(NO_SMTP), store=None)
    try:
        with lock:
            made = change(user)
    except HQError as e:
        db.rollback()
        field = str(e).partition(":")[0] if ":" in str(e) else None
        return _page(request, "problem.html", user, 400, why=str(e), store=None, field=field)
    if not isinstance(made, Letter):  # a notice: its text and values
        text, values = made
        return _show(request, db, user, notice=words.translate(text, **values))
    base = hq_url() or str(request.base_url)
    try:
        deliver(settings, made, base, words.code)
    except (MailError, HQError) as e:
        why = words.translate(MAIL_FAILED, why=str(e) or NO_MAIL)
        return _page(request, "problem.html", user, 502, why=why, store=None)
    notice = words.translate(SENT, address=made.address, expires=made.expires_at[:16])
    return _show(request, db, user, notice=notice)


@router.post("/admin/invites", response_class=HTMLResponse)
def new_invite(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "",
    username: Annotated[str, Form(max_length=64)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
    role: Text = "", scope: Text = "", language: Annotated[str, Form(max_length=8)] = "",
):  # fmt: skip
    def change(admin: Reader) -> Letter:
        return invite(db, username, email, now, role, scope, language, actor=admin.access.who)

    return _act(request, db, now, lock, csrf, change, mails=True)


@router.post("/admin/users/{username}/invite", response_class=HTMLResponse)
def again(username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    def change(admin: Reader) -> Letter:
        return resend_invite(db, username, now, actor=admin.access.who)

    return _act(request, db, now, lock, csrf, change, True)


@router.post("/admin/users/{username}/reset", response_class=HTMLResponse)
def reset(username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    def change(admin: Reader) -> Letter:
        return admin_reset(db, username, now, actor=admin.access.who)

    return _act(request, db, now, lock, csrf, change, True)


@router.post("/admin/users/{username}/deactivate", response_class=HTMLResponse)
def off(username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    def change(admin: Reader) -> tuple:
        ended = deactivate(db, username, now, by=admin.username, actor=admin.access.who)
        return DEACTIVATED, {"username": username, "n": ended}

    return _act(request, db, now, lock, csrf, change, mails=False)


@router.post("/admin/users/{username}/reactivate", response_class=HTMLResponse)
def on(username: str, request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = ""):
    def change(admin: Reader) -> tuple:
        reactivate(db, username, actor=admin.access.who)
        return REACTIVATED, {"username": username}

    return _act(request, db, now, lock, csrf, change, mails=False)
