"""The receipt keys: the secrets receipt tokens are signed with, kept in HQ's database.

Each key is 32 random bytes in a row of ``meta`` (the table that also holds the dashboard's
session secret, so every HQ process signs and checks alike), named ``receipt_key.N`` with
N its id (1-255, the token's second byte) and valued as JSON: the key in unpadded
URL-safe base64, when it was made, and when it stops being accepted (``retires``, ``null``
for the current key). The receipt key is its own secret, never the session secret: a POS
developer who is given it can mint links, and nothing else; rotating it logs no one out.

Rotation (``hymio hq receipt-key --rotate``): a new key becomes the one new links are
signed with, and the previous one is still accepted for *keep_days* (default
:data:`KEEP_DAYS`), so links already printed on receipts keep working until then; after a
leak, rotate with ``--keep-days 0`` and the leaked key signs nothing HQ accepts from that
moment. The first key is made when it is first needed.
"""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.core.errors import InputError
from hq.tables.models import Meta
from kiosk.timekeeping.localtime import to_utc_text

PREFIX = "receipt_key."
KEEP_DAYS = 90
MAX_KEEP_DAYS = 400


@dataclass(frozen=True)
class ReceiptKey:
    """One receipt key: its id, its 32 bytes, when it was made and stops being accepted."""

    id: int
    key: bytes
    made: str
    retires: str | None

    @property
    def text(self) -> str:
        """The key as a POS developer is given it: unpadded URL-safe base64."""
        return base64.urlsafe_b64encode(self.key).rstrip(b"=").decode("ascii")

    def accepted(self, now: datetime) -> bool:
        return self.retires is None or to_utc_text(now) < self.retires


def every_key(session: Session) -> list[ReceiptKey]:
    """Every receipt key HQ keeps, oldest id first."""
    rows = session.execute(select(Meta.key, Meta.value).where(Meta.key.startswith(PREFIX)))
    keys = []
    for name, value in rows:
        data = json.loads(value)
        key = base64.urlsafe_b64decode(data["key"] + "=")
        keys.append(ReceiptKey(int(name[len(PREFIX) :]), key, data["made"], data["retires"]))
    return sorted(keys, key=lambda k: k.id)


def accepted_keys(session: Session, now: datetime) -> dict[int, bytes]:
    """The keys a token may be signed with at *now*: id → key."""
    return {k.id: k.key for k in every_key(session) if k.accepted(now)}


def current_key(session: Session, now: datetime) -> ReceiptKey:
    """The key new tokens are signed with; the first is made (and committed) here when
    there is none yet, by whichever HQ process asks first."""
    for key in reversed(every_key(session)):
        if key.retires is None:
            return key
    _store(session, 1, secrets.token_bytes(32), now, None)
    try:
        session.commit()
    except IntegrityError:  # another process made it first
        session.rollback()
    return current_key(session, now)


def rotate(session: Session, now: datetime, keep_days: int = KEEP_DAYS) -> ReceiptKey:
    """Make a new current key; the previous stays accepted for *keep_days* (0: no longer
    from now). Keys retired before *now* are removed. Committed; the new key returned."""
    if not 0 <= keep_days <= MAX_KEEP_DAYS:
        raise InputError(f"--keep-days {keep_days}: give 0 to {MAX_KEEP_DAYS} days")
    keys = every_key(session)
    for key in keys:
        if not key.accepted(now):
            session.delete(session.get(Meta, f"{PREFIX}{key.id}"))
        elif key.retires is None:
            _store(session, key.id, key.key, now, now + timedelta(days=keep_days), key.made)
    live = {k.id for k in keys if k.accepted(now)}
    last = max((k.id for k in keys), default=0)
    new_id = next((i for i in [*range(last + 1, 256), *range(1, last + 1)] if i not in live), None)
    if new_id is None:
        raise InputError("255 receipt keys are still accepted: rotate with --keep-days 0")
    session.flush()
    made = _store(session, new_id, secrets.token_bytes(32), now, None)
    session.commit()
    return made


def _store(
    session: Session,
    key_id: int,
    key: bytes,
    now: datetime,
    retires: datetime | None,
    made: str | None = None,
) -> ReceiptKey:
    made = made or to_utc_text(now)
    value = {
        "key": base64.urlsafe_b64encode(key).rstrip(b"=").decode("ascii"),
        "made": made,
        "retires": to_utc_text(retires) if retires is not None else None,
    }
    session.merge(Meta(key=f"{PREFIX}{key_id}", value=json.dumps(value)))
    return ReceiptKey(key_id, key, made, value["retires"])
