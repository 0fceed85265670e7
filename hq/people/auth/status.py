"""Deactivating a user: they cannot log in, their sessions end at once and their unused
password links die, but the user stays (their name on actions, reports and the audit
keeps meaning someone). Reactivating lets them log in again with the password they had
(or a reset link). Only an admin does either, never to themselves."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from hq.core.errors import InputError
from hq.people import sessions as login_sessions
from hq.people.audit import CLI, record
from hq.tables.people import PasswordLink, User
from kiosk.timekeeping.localtime import to_utc_text


def _user(db: Session, username: str) -> User:
    user = db.get(User, username) if isinstance(username, str) else None
    if user is None:
        raise InputError(f"username: no user {username!r}")
    return user


def deactivate(
    db: Session, username: str, now: datetime, by: str | None = None, actor: str = CLI
) -> int:
    """Deactivate *username* (by the admin *by*, who may not be them); returns how many
    sessions ended. Deactivating someone already deactivated changes nothing."""
    user = _user(db, username)
    if by is not None and by == user.username:
        raise InputError("username: you cannot deactivate yourself; another admin can")
    if not user.deactivated_at:
        user.deactivated_at = to_utc_text(now)
        record(db, actor, "deactivate", "user", user.username, None, now)
    db.execute(
        delete(PasswordLink).where(PasswordLink.username == username, PasswordLink.used_at == "")
    )
    db.flush()
    return login_sessions.end_all(db, user.username)  # commits


def reactivate(db: Session, username: str, actor: str = CLI) -> None:
    """Let *username* log in again."""
    user = _user(db, username)
    if user.deactivated_at:
        record(db, actor, "reactivate", "user", user.username)
    user.deactivated_at = ""
    db.commit()


def is_active(user: User | None) -> bool:
    """Whether *user* exists and may log in."""
    return user is not None and not user.deactivated_at
