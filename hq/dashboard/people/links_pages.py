"""The login side of people's sign-in, for someone not logged in.

- ``/login/forgot``: "forgot password": one e-mail address in; the same sentence comes back
  whether an account has it or not, and the mail (if any) is sent after the answer has gone,
  so neither the words nor the time tell. Throttled per client address (a 429 page).
- ``/login/set-password?token=…``: the page an invite or reset link opens; a password twice,
  and the link is used up (:mod:`hq.people.auth.links`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse

from hq.core.client_address import client_host
from hq.core.errors import HQError, InputError
from hq.core.language import N_
from hq.dashboard.pages import EXPIRED, _check_csrf, _page, speaks
from hq.dashboard.people import mail_settings
from hq.ingest.ratelimit import retry_after
from hq.people.auth.letters import deliver_quietly
from hq.people.auth.links import LinkError, ThrottledError, forgot, live_link, use_link
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
SENT = N_(
    "If an account has this address, a link to set a new password is on its way to it."
    " The link works once, for an hour."
)
TOO_MANY = N_("Too many requests from here; try again in {minutes} min.")
DIFFERENT = N_("The two passwords differ; type the same one twice.")
DONE = N_("Your password is set. Log in with it.")
SHORT = N_("The password is too short: use at least 10 characters.")
LINK_PROBLEMS = {
    "this link is not one HQ made": N_("This link is not one HQ made."),
    "this link has been used already; ask for a new one": N_(
        "This link has been used already; ask for a new one."
    ),
    "this link has expired; ask for a new one": N_("This link has expired; ask for a new one."),
    "this link's account cannot log in": N_("This link's account cannot log in."),
}
Csrf = Annotated[str, Form(max_length=100)]
Token = Annotated[str, Form(max_length=100)]


@router.get("/login/forgot", response_class=HTMLResponse)
def forgot_form(request: Request):
    return _page(request, "forgot.html", None, error=None, notice=None)


@router.post("/login/forgot", response_class=HTMLResponse)
def forgot_sent(
    request: Request, db: DB, now: Now, lock: WriteLock, background: BackgroundTasks,
    csrf: Csrf = "", email: Annotated[str, Form(max_length=254)] = "",
):  # fmt: skip
    words = speaks(request, None)
    if not _check_csrf(request, csrf):
        return _page(request, "forgot.html", None, 403, error=words.gettext(EXPIRED), notice=None)
    try:
        letter = forgot(db, lock, email, client_host(request), now)
    except ThrottledError as e:
        wait = retry_after(e.seconds)
        error = words.translate(TOO_MANY, minutes=-(-int(wait) // 60))
        headers = {"Retry-After": wait}
        return _page(request, "forgot.html", None, 429, headers=headers, error=error, notice=None)
    background.add_task(deliver_quietly, mail_settings(request), letter, words.code)
    return _page(request, "forgot.html", None, error=None, notice=words.gettext(SENT))


def _link_problem(request: Request, e: LinkError) -> HTMLResponse:
    words = speaks(request, None)
    why = words.gettext(LINK_PROBLEMS.get(str(e), str(e)))
    return _page(request, "set_password.html", None, 400, error=why, token=None)


@router.get("/login/set-password", response_class=HTMLResponse)
def set_password_form(
    request: Request, db: DB, now: Now, token: Annotated[str, Query(max_length=100)] = ""
):
    try:
        live_link(db, token, now)
    except LinkError as e:
        return _link_problem(request, e)
    return _page(request, "set_password.html", None, error=None, token=token)


@router.post("/login/set-password", response_class=HTMLResponse)
def set_password(
    request: Request, db: DB, now: Now, lock: WriteLock, csrf: Csrf = "", token: Token = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    again: Annotated[str, Form(max_length=1024)] = "",
):  # fmt: skip
    words = speaks(request, None)
    if not _check_csrf(request, csrf):
        error = words.gettext(EXPIRED)
        return _page(request, "set_password.html", None, 403, error=error, token=token)
    if password != again:
        error = words.gettext(DIFFERENT)
        return _page(request, "set_password.html", None, 400, error=error, token=token)
    if len(password) < 10:
        error = words.gettext(SHORT)
        return _page(request, "set_password.html", None, 400, error=error, token=token)
    try:
        with lock:
            use_link(db, token, password, now)
    except LinkError as e:
        db.rollback()
        return _link_problem(request, e)
    except (InputError, HQError) as e:
        db.rollback()
        return _page(request, "set_password.html", None, 400, error=str(e), token=token)
    return _page(request, "login.html", None, error=None, notice=words.gettext(DONE))
