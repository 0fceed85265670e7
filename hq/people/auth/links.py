"""One-time links that set a password: an admin's invite or reset, a forgotten password.

A link carries a random token (32 bytes, URL-safe); HQ keeps only its SHA-256
(:class:`hq.tables.people.PasswordLink`), so a copy of the database opens nothing. A link
sets the password once: using it marks it used, ends every session of its user and kills
every other unused link of theirs. It is dead after its lifetime: ``HYMIO_LINK_HOURS``
(default 72) for an invite or an admin's reset, :data:`FORGOT_LIFETIME` for a link asked
for from the login page. A deactivated user's links do not work.

**Only an admin invites and resets** (the page, the API with an admin token, the command
line); a manager does not, because accounts are the chain's, not a part's.

**A forgotten password** (:func:`forgot`) answers the same whether the address is known or
not: the caller shows one sentence for every case, and sends the mail after answering. It is
throttled twice: at most :data:`PER_ADDRESS` requests from one client address in
:data:`WINDOW` (past that a 429 that names no account), and at most :data:`OPEN_PER_USER`
unused links per user at a time (past that, no new mail, the same answer).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from hq.core.client_address import address_key
from hq.core.errors import HQError, InputError
from hq.people import sessions as login_sessions
from hq.people.admin import _check_password, add_user, check_email
from hq.people.audit import CLI, record
from hq.people.credentials import hash_password, new_token, token_hash
from hq.tables.people import PasswordLink, ResetRequest, User
from kiosk.timekeeping.localtime import to_utc_text

log = logging.getLogger(__name__)

DEFAULT_HOURS = 72
FORGOT_LIFETIME = timedelta(hours=1)
WINDOW = timedelta(minutes=15)
PER_ADDRESS = 5
OPEN_PER_USER = 3
PURPOSES = ("invite", "reset")


class LinkError(HQError):
    """A link that sets no password: unknown, used, expired, or its user deactivated."""


def lifetime(env: Mapping[str, str] | None = None) -> timedelta:
    """How long an invite or an admin's reset link lives: ``HYMIO_LINK_HOURS`` (1–720)."""
    text = (os.environ if env is None else env).get("HYMIO_LINK_HOURS", "").strip()
    if not text:
        return timedelta(hours=DEFAULT_HOURS)
    try:
        hours = int(text)
    except ValueError:
        raise HQError(f"HYMIO_LINK_HOURS {text!r} is not a whole number of hours") from None
    if not 1 <= hours <= 720:
        raise HQError(f"HYMIO_LINK_HOURS {hours} is not between 1 and 720")
    return timedelta(hours=hours)


@dataclass(frozen=True)
class Letter:
    """A link to mail: to whom (*address*, in *language*), for what, and its token."""

    username: str
    address: str
    language: str
    purpose: str
    token: str
    expires_at: str


def _user(db: Session, username: str) -> User:
    user = db.get(User, username) if isinstance(username, str) else None
    if user is None:
        raise InputError(f"username: no user {username!r}")
    return user


def _make(db: Session, user: User, purpose: str, now: datetime, alive: timedelta) -> Letter:
    """A new link for *user* (flushed, not committed)."""
    if not user.email:
        raise InputError(f"email: user {user.username!r} has no e-mail address; give them one")
    if user.deactivated_at:
        raise InputError(f"username: user {user.username!r} is deactivated; reactivate them first")
    token = new_token()
    expires = to_utc_text(now + alive)
    db.add(
        PasswordLink(
            token_hash=token_hash(token),
            username=user.username,
            purpose=purpose,
            created_at=to_utc_text(now),
            expires_at=expires,
            used_at="",
        )
    )
    db.flush()
    return Letter(user.username, user.email, user.language or "", purpose, token, expires)


def _drop_unused(db: Session, username: str) -> None:
    db.execute(
        delete(PasswordLink).where(PasswordLink.username == username, PasswordLink.used_at == "")
    )


def invite(
    db: Session,
    username: str,
    email: str,
    now: datetime,
    role: str = "analyst",
    scope: str = "",
    language: str = "",
    alive: timedelta | None = None,
    actor: str = CLI,
) -> Letter:
    """A new user who sets their own password from the link mailed to *email*; until then
    no password opens the account. Committed, with the audit log's line (*actor*); the
    caller mails the :class:`Letter`."""
    if not check_email(email):
        raise InputError("email: an invite needs an e-mail address")
    add_user(db, username, new_token() + new_token(), now, language, role, scope, email,
             actor=actor)  # fmt: skip
    return resend_invite(db, username, now, alive, actor)


def resend_invite(
    db: Session, username: str, now: datetime, alive: timedelta | None = None, actor: str = CLI
) -> Letter:
    """A fresh invite link for *username*; their unused links die. Committed."""
    user = _user(db, username)
    _drop_unused(db, user.username)
    letter = _make(db, user, "invite", now, alive or lifetime())
    record(db, actor, "invite", "user", user.username, {"email": user.email}, now)
    db.commit()
    return letter


def admin_reset(
    db: Session, username: str, now: datetime, alive: timedelta | None = None, actor: str = CLI
) -> Letter:
    """A reset link for *username*, from an admin; their unused links die. The password
    stays what it is until the link is used. Committed."""
    user = _user(db, username)
    _drop_unused(db, user.username)
    letter = _make(db, user, "reset", now, alive or lifetime())
    record(db, actor, "send-reset", "user", user.username, None, now)
    db.commit()
    return letter


def forgot(
    db: Session,
    lock: AbstractContextManager,
    address: str,
    host: str | None,
    now: datetime,
) -> Letter | None:
    """A reset link for the active user whose e-mail is *address* (any case), or ``None``
    (no such user, or they have :data:`OPEN_PER_USER` unused links already). The caller
    answers the same in both cases. A :class:`ThrottledError` past :data:`PER_ADDRESS`."""
    client = address_key(host)
    since = to_utc_text(now - WINDOW)
    with lock:
        db.execute(delete(ResetRequest).where(ResetRequest.at <= since))
        recent = db.scalar(
            select(func.count()).select_from(ResetRequest).where(ResetRequest.address == client)
        )
        if recent >= PER_ADDRESS:
            db.commit()
            log.warning("forgotten-password requests from %r refused: too many", client)
            raise ThrottledError(WINDOW.total_seconds())
        db.add(ResetRequest(address=client, at=to_utc_text(now)))
        db.commit()
    wanted = address.strip().lower()
    token_hash(new_token())  # the same work whether or not anyone has the address
    if not wanted or len(wanted) > 254:
        return None
    found = db.scalars(
        select(User).where(func.lower(User.email) == wanted, User.deactivated_at == "")
    ).all()
    if len(found) != 1:  # nobody, or an address shared by several users: no guessing
        return None
    user = found[0]
    stamp = to_utc_text(now)
    unused = db.scalar(
        select(func.count())
        .select_from(PasswordLink)
        .where(
            PasswordLink.username == user.username,
            PasswordLink.used_at == "",
            PasswordLink.expires_at > stamp,
        )
    )
    if unused >= OPEN_PER_USER:
        log.warning("no new reset link for %r: %d unused links already", user.username, unused)
        return None
    with lock:
        letter = _make(db, user, "reset", now, FORGOT_LIFETIME)
        db.commit()
    return letter


class ThrottledError(HQError):
    """Too many forgotten-password requests from one address; wait ``seconds``."""

    def __init__(self, seconds: float):
        super().__init__(f"too many requests; try again in {int(seconds // 60)} min")
        self.seconds = seconds


def live_link(db: Session, token: object, now: datetime) -> PasswordLink:
    """The unused, unexpired link of *token* whose user is active; a :class:`LinkError`."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise LinkError("this link is not one HQ made")
    link = db.scalar(select(PasswordLink).where(PasswordLink.token_hash == token_hash(token)))
    if link is None:
        raise LinkError("this link is not one HQ made")
    if link.used_at:
        raise LinkError("this link has been used already; ask for a new one")
    if link.expires_at <= to_utc_text(now):
        raise LinkError("this link has expired; ask for a new one")
    user = db.get(User, link.username)
    if user is None or user.deactivated_at:
        raise LinkError("this link's account cannot log in")
    return link


def use_link(db: Session, token: object, password: str, now: datetime) -> str:
    """Set the password of *token*'s user (at least 10 characters) and use the link up;
    their sessions and other links end. Returns the username. Committed."""
    link = live_link(db, token, now)
    try:
        _check_password(password)
    except HQError as e:
        raise InputError(f"password: {e}") from None
    taken = db.execute(
        update(PasswordLink)
        .where(PasswordLink.id == link.id, PasswordLink.used_at == "")
        .values(used_at=to_utc_text(now))
    ).rowcount
    if taken != 1:  # another request used it a moment ago
        db.rollback()
        raise LinkError("this link has been used already; ask for a new one")
    user = db.get(User, link.username)
    user.password_hash = hash_password(password)
    db.execute(
        delete(PasswordLink).where(
            PasswordLink.username == user.username,
            PasswordLink.used_at == "",
            PasswordLink.id != link.id,
        )
    )
    db.flush()
    login_sessions.end_all(db, user.username)  # commits
    return user.username
