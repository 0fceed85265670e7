"""Sign-in with the chain's identity provider (:mod:`hq.people.auth.oidc`).

- ``GET /login/oidc``: off to the provider, with a fresh state, nonce and PKCE verifier kept
  in a cookie of their own (signed, ``SameSite=Lax`` so that it comes back with the
  provider's redirect, 10 minutes, only for ``/login/oidc``);
- ``GET /login/oidc/callback``: the provider's answer; the state must be the cookie's, the
  ID token the provider's and for this nonce. Then the session starts, and a small page
  moves on to ``/`` (the session cookie is ``SameSite=Strict``: it is not sent along a chain
  of redirects that began at the provider, but is on a step the page itself takes).

The login page's "Sign in with …" button shows when ``HYMIO_OIDC_ISSUER`` is set.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from itsdangerous import BadSignature, URLSafeTimedSerializer

from hq.core.errors import HQError
from hq.core.language import N_
from hq.dashboard.pages import _csrf, _page, speaks, templates
from hq.people import sessions as login_sessions
from hq.people.auth.letters import hq_url
from hq.people.auth.oidc import NotMapped, OidcError, OidcSettings, begin, finish, sign_in
from hq.tables.models import Meta
from hq.web.deps import DB, Now, WriteLock

router = APIRouter(include_in_schema=False)
COOKIE = "hymio_oidc"
PATH = "/login/oidc"
MAX_AGE = 600
NOT_MAPPED = N_("None of your groups may sign in to HQ; ask your admin to map one.")
FAILED = N_("The sign-in with your organisation did not work: {why}")
LOST = N_("The sign-in took too long or came from elsewhere; please start again.")


def settings_of(request: Request) -> OidcSettings | None:
    """The identity provider of this HQ: the app's (tests set it), else the environment's."""
    found = getattr(request.app.state, "oidc", None)
    return found if found is not None else OidcSettings.from_env()


def oidc_name(request: Request) -> str | None:
    """What the login page's button names, or ``None`` when there is no provider."""
    try:
        found = settings_of(request)
    except HQError:
        return None
    return found.name if found is not None else None


templates.env.globals["oidc_name"] = oidc_name


def _signer(db: DB) -> URLSafeTimedSerializer:
    """Signs the flow's cookie with the dashboard's session secret (made at start-up)."""
    return URLSafeTimedSerializer(db.get(Meta, "session_secret").value, salt=COOKIE)


def _callback(request: Request) -> str:
    return (hq_url() or str(request.base_url).rstrip("/")) + PATH + "/callback"


def _refused(request: Request, text: str, status: int, **values) -> HTMLResponse:
    words = speaks(request, None)
    answer = _page(request, "login.html", None, status, error=words.translate(text, **values))
    answer.delete_cookie(COOKIE, path=PATH)
    return answer


@router.get("/login/oidc")
def oidc_start(request: Request, db: DB):
    try:
        settings = settings_of(request)
    except HQError as e:  # HYMIO_OIDC_GROUPS that is not a mapping
        return _refused(request, FAILED, 502, why=str(e))
    if settings is None:
        return RedirectResponse("/login", status_code=303)
    try:
        started = begin(settings, _callback(request))
    except OidcError as e:
        return _refused(request, FAILED, 502, why=str(e))
    kept = _signer(db).dumps([started.state, started.nonce, started.verifier])
    answer = RedirectResponse(started.url, status_code=303)
    answer.set_cookie(COOKIE, kept, max_age=MAX_AGE, path=PATH, httponly=True, samesite="lax",
                      secure=request.url.scheme == "https")  # fmt: skip
    return answer


@router.get("/login/oidc/callback", response_class=HTMLResponse)
def oidc_back(
    request: Request, db: DB, now: Now, lock: WriteLock,
    code: Annotated[str, Query(max_length=2000)] = "",
    state: Annotated[str, Query(max_length=200)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
):  # fmt: skip
    try:
        settings = settings_of(request)
    except HQError as e:
        return _refused(request, FAILED, 502, why=str(e))
    if settings is None:
        return RedirectResponse("/login", status_code=303)
    try:
        kept = _signer(db).loads(request.cookies.get(COOKIE, ""), max_age=MAX_AGE)
        expected, nonce, verifier = (str(k) for k in kept)
    except (BadSignature, TypeError, ValueError):
        return _refused(request, LOST, 400)
    if not state or not secrets.compare_digest(state.encode(), expected.encode()):
        return _refused(request, LOST, 400)
    if error or not code:
        return _refused(request, FAILED, 400, why=error or "no code")
    try:
        claims = finish(settings, _callback(request), code, verifier, nonce)
        with lock:
            username = sign_in(db, settings, claims, now)
    except NotMapped:
        db.rollback()
        return _refused(request, NOT_MAPPED, 403)
    except HQError as e:
        db.rollback()
        return _refused(request, FAILED, 403, why=str(e))
    with lock:
        login_sessions.end(db, request.session.get("sid"))
        sid = login_sessions.start(db, username, now)
    request.session.clear()
    request.session["sid"] = sid
    _csrf(request)
    answer = _page(request, "signed_in.html", None)
    answer.delete_cookie(COOKIE, path=PATH)
    return answer
