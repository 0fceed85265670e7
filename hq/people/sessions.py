"""Dashboard sessions kept in the database, so that HQ can end them.

A login makes a random session id; the browser carries it in its signed cookie and HQ keeps
only its SHA-256 (like device tokens: someone who reads the database or a backup learns no
id that logs in). Every dashboard page and every read authorised by a login looks the row
up; logging out, a new password and ``hymio hq end-sessions`` delete it, and the cookie is
worth nothing from then on. A session ends 12 hours after the login, or after 2 hours
without a page.
"""

from __future__ import annotations

import secrets
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from hq.people.credentials import token_hash
from hq.tables.people import LoginSession
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

LIFETIME = timedelta(hours=12)
IDLE = timedelta(hours=2)
# last_seen_at is written at most this often, so that reading pages is not a write each.
TOUCH_EVERY = timedelta(minutes=1)
MAX_ID = 100  # longer ids in a cookie are not HQ's


def start(db: Session, username: str, now: datetime) -> str:
    """A new session of *username*; returns the id for the cookie (HQ keeps its hash)."""
    sid = secrets.token_urlsafe(32)
    stamp = to_utc_text(now)
    db.execute(delete(LoginSession).where(LoginSession.expires_at <= stamp))
    db.add(
        LoginSession(
            id_hash=token_hash(sid),
            username=username,
            created_at=stamp,
            last_seen_at=stamp,
            expires_at=to_utc_text(now + LIFETIME),
        )
    )
    db.commit()
    return sid


def user_of(
    db: Session,
    sid: object,
    now: datetime,
    lock: AbstractContextManager | None = None,
) -> str | None:
    """Whose session *sid* is, or ``None`` if it is no live session (ended, expired, idle
    too long, or not one HQ made). Writes under *lock* when it notes the visit."""
    if not isinstance(sid, str) or not sid or len(sid) > MAX_ID:
        return None
    row = db.get(LoginSession, token_hash(sid))
    if row is None:
        return None
    stamp = to_utc_text(now)
    last_seen = parse_utc_text(row.last_seen_at)
    if row.expires_at <= stamp or now - last_seen >= IDLE:
        with lock or nullcontext():
            db.execute(delete(LoginSession).where(LoginSession.id_hash == row.id_hash))
            db.commit()
        return None
    if now - last_seen >= TOUCH_EVERY:
        with lock or nullcontext():
            db.execute(
                update(LoginSession)
                .where(LoginSession.id_hash == row.id_hash)
                .values(last_seen_at=stamp)
            )
            db.commit()
    return row.username


def end(db: Session, sid: object) -> None:
    """End the session *sid* (logging out); nothing if there is none."""
    if isinstance(sid, str) and sid:
        db.execute(delete(LoginSession).where(LoginSession.id_hash == token_hash(sid)))
        db.commit()


def end_all(db: Session, username: str) -> int:
    """End every session of *username* (a new password, or an admin's command); returns how
    many there were."""
    ended = db.execute(delete(LoginSession).where(LoginSession.username == username)).rowcount
    db.commit()
    return ended
