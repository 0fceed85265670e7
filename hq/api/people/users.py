"""``POST /api/v1/users`` and ``/api/v1/users/{username}/…``: invite a user, mail a fresh
invite or reset link, deactivate and reactivate (:mod:`hq.people.auth`).

Only an **admin token** (``hymio hq add-token --role admin``) is let in, sent as Bearer: a
dashboard session is not (a cookie would make these cross-site requests' target). Any other
reader is a 403, no token a 401. Bad input is a 400 (or a 422 for a body that does not
validate) naming the field, and changes nothing. A link is mailed through ``HYMIO_SMTP_*``
to ``HYMIO_HQ_URL``; with either missing the request is a 409 and nothing changes.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from hq.api import errors
from hq.core.errors import ApiError, HQError, InputError
from hq.core.mail import MailError, MailSettings
from hq.people.auth.letters import NO_MAIL, deliver, hq_url
from hq.people.auth.links import Letter, admin_reset, invite, resend_invite
from hq.people.auth.status import deactivate, reactivate
from hq.web.deps import DB, AdminToken, Now, WriteLock

router = APIRouter(prefix="/api/v1", tags=["people"])


class NewUser(BaseModel):
    """Someone to invite: they set their own password from the mailed link."""

    username: str = Field(max_length=64, description="login name")
    email: str = Field(max_length=254, description="where the invite link goes")
    role: str = Field("analyst", max_length=16, description="admin, analyst or manager")
    scope: str = Field("", max_length=200, description="a manager's part: region:ID or store:ID")
    language: str = Field("", max_length=8, description="fi, sv or en; '' for the browser's")


class Sent(BaseModel):
    """A link went out."""

    username: str
    email: str
    purpose: str = Field(description="invite or reset")
    expires_at: str = Field(description="when the link stops working (UTC)")


class State(BaseModel):
    """Whether a user may log in, and how many of their sessions a change ended."""

    username: str
    active: bool
    sessions_ended: int = 0


def _settings(request: Request) -> MailSettings:
    settings = getattr(request.app.state, "mail", None) or MailSettings.from_env()
    if settings is None:
        raise ApiError(409, "no_mail", NO_MAIL)
    if not hq_url():
        raise ApiError(409, "no_hq_url", "HYMIO_HQ_URL is not set: a link could not say where")
    return settings


def _bad(e: HQError) -> ApiError:
    """A 400 with the refusal's own words, which begin with the field they are about."""
    return ApiError(400, "bad_request", str(e))


def _mailed(settings: MailSettings, db: DB, lock: WriteLock, make) -> Sent:
    try:
        with lock:
            letter: Letter = make()
    except HQError as e:
        db.rollback()
        raise _bad(e) from None
    try:
        deliver(settings, letter, hq_url())
    except (MailError, HQError) as e:
        raise ApiError(502, "mail_failed", f"the link was made but not mailed: {e}") from None
    return Sent(
        username=letter.username, email=letter.address,
        purpose=letter.purpose, expires_at=letter.expires_at,
    )  # fmt: skip


@router.post(
    "/users", status_code=201, response_model=Sent, responses=errors(400, 401, 403, 409, 422, 502)
)
def new_user(
    body: NewUser, request: Request, db: DB, now: Now, lock: WriteLock, by: AdminToken
) -> Sent:
    """Invite a new user: made at once, their password set from the mailed link."""
    settings = _settings(request)
    return _mailed(
        settings, db, lock,
        lambda: invite(db, body.username, body.email, now, body.role, body.scope, body.language,
                       actor=by.who),
    )  # fmt: skip


@router.post(
    "/users/{username}/invite",
    response_model=Sent,
    responses=errors(400, 401, 403, 409, 422, 502),
)
def invite_again(
    username: str, request: Request, db: DB, now: Now, lock: WriteLock, by: AdminToken
):
    """Mail *username* a fresh invite link; their unused links stop working."""
    settings = _settings(request)
    return _mailed(settings, db, lock, lambda: resend_invite(db, username, now, actor=by.who))


@router.post(
    "/users/{username}/reset", response_model=Sent, responses=errors(400, 401, 403, 409, 422, 502)
)
def reset_link(username: str, request: Request, db: DB, now: Now, lock: WriteLock, by: AdminToken):
    """Mail *username* a link that sets a new password (the old one works until it is used)."""
    settings = _settings(request)
    return _mailed(settings, db, lock, lambda: admin_reset(db, username, now, actor=by.who))


@router.post(
    "/users/{username}/deactivate", response_model=State, responses=errors(400, 401, 403, 422)
)
def deactivate_user(username: str, db: DB, now: Now, lock: WriteLock, by: AdminToken) -> State:
    """*username* can no longer log in; their sessions end; they are kept."""
    try:
        with lock:
            ended = deactivate(db, username, now, actor=by.who)
    except InputError as e:
        db.rollback()
        raise _bad(e) from None
    return State(username=username, active=False, sessions_ended=ended)


@router.post(
    "/users/{username}/reactivate", response_model=State, responses=errors(400, 401, 403, 422)
)
def reactivate_user(username: str, db: DB, lock: WriteLock, by: AdminToken) -> State:
    """*username* may log in again."""
    try:
        with lock:
            reactivate(db, username, actor=by.who)
    except InputError as e:
        db.rollback()
        raise _bad(e) from None
    return State(username=username, active=True)
