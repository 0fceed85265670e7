"""Minting receipt links in bulk, and checking and using one (issue 32).

``hymio hq receipt-links``, ``POST /api/v1/touchpoints/{code}/receipt-links`` and the
dashboard call :func:`mint_links`; the web survey's page calls :func:`check_receipt` when
it shows the survey and :func:`consume_receipt` in the transaction that stores the answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.core.errors import N_
from hq.fleet.chain.errors import ChainError
from hq.fleet.chain.stores import actor_of
from hq.fleet.receipts import keys, tokens
from hq.fleet.receipts.tokens import ReceiptError, Token
from hq.fleet.touchpoints import find_by_code
from hq.people.access import Access
from hq.people.audit import record
from hq.tables.models import Device
from hq.tables.receipts import ReceiptUse
from kiosk.timekeeping.localtime import to_utc_text

MAX_COUNT = 50_000  # links per call: a day of receipts of a big store, in about a second
MAX_DAYS = 366


@dataclass(frozen=True)
class ReceiptLink:
    """One minted link: the URL to print, its token and when it stops answering."""

    url: str
    token: str
    expires_at: datetime


def link_of(base_url: str, code: str, token: str) -> str:
    """``BASE/r/<code>?t=<token>``."""
    return f"{base_url.rstrip('/')}/r/{quote(code, safe='')}?t={token}"


def mint_links(
    session: Session,
    by: Access | None,
    code: str,
    count: int,
    valid_days: int,
    now: datetime,
    base_url: str,
) -> list[ReceiptLink]:
    """*count* fresh links to the web link *code*, each answering once until *valid_days*
    from *now*; *by* (``None``: the command line) must be able to change its store.
    Recorded in the audit log (how many, until when; never a token)."""
    device = _web_link(session, by, code)
    if not 1 <= count <= MAX_COUNT:
        raise ChainError("count", N_("give 1 to {most} links"), most=MAX_COUNT)
    if not 1 <= valid_days <= MAX_DAYS:
        raise ChainError("valid_days", N_("give 1 to {most} days"), most=MAX_DAYS)
    if not base_url.startswith(("https://", "http://")):
        raise ChainError("base_url", N_("give HQ's address as https://…"))
    expires = math.ceil((now + timedelta(days=valid_days)).timestamp())
    key = keys.current_key(session, now)
    links = []
    for _ in range(count):
        token = tokens.make(key.id, key.key, device.code, expires)
        links.append(ReceiptLink(link_of(base_url, device.code, token), token, _at(expires)))
    changes = {"count": count, "expires": to_utc_text(_at(expires)), "key": key.id}
    record(session, actor_of(by), "receipt_links", "device", device.id, changes, now)
    session.commit()
    return links


def _at(expires: int) -> datetime:
    return datetime.fromtimestamp(expires, UTC)


def _web_link(session: Session, by: Access | None, code: str) -> Device:
    device = find_by_code(session, code)
    if device is None or (by is not None and not by.sees(device.store_id)):
        raise ChainError("code", N_("there is no web link {code}"), status=404, code=repr(code))
    if by is not None and not by.acts_on(device.store_id):
        raise ChainError("code", N_("you may not make links for this web link"), status=403)
    if device.retired_at is not None:
        what = N_("web link {code} is retired: it takes no answers")
        raise ChainError("code", what, status=409, code=repr(code))
    return device


def check_receipt(session: Session, token: str, code: str, now: datetime) -> Token:
    """The token *token* of a link to the web link *code*, if it can still answer at
    *now*; else :class:`ReceiptError` (``garbled``, ``forged``, ``expired``, ``retired``
    or ``used``). Reads only: what the survey page asks before it shows the survey."""
    device = find_by_code(session, code)
    found = _checked(session, device, token, now)
    if session.get(ReceiptUse, found.token_id) is not None:
        raise ReceiptError("used", "this link was already used")
    return found


def _checked(session: Session, device: Device | None, token: str, now: datetime) -> Token:
    if device is None:
        raise ReceiptError("forged", "there is no web link with this code")
    if device.retired_at is not None:
        raise ReceiptError("retired", "this web link is retired: it takes no answers")
    return tokens.read(token, device.code, keys.accepted_keys(session, now), now)


def consume_receipt(
    session: Session, token: str, code: str, rating_id: str, now: datetime
) -> Token:
    """Use the receipt token *token* for the rating *rating_id* just added in *session*'s
    transaction at the web link *code*: the token's id is written in the same transaction,
    so when it commits the token has answered exactly once, however many HQ processes
    race (the second waits for the first's row, then finds it taken).

    On any :class:`ReceiptError` (``garbled``, ``forged``, ``expired``, ``retired``,
    ``used``) the transaction has been rolled back: the answer is not kept. The caller
    commits on success."""
    try:
        device = find_by_code(session, code)
        found = _checked(session, device, token, now)
        session.execute(
            insert(ReceiptUse).values(
                token_id=found.token_id,
                touchpoint=device.id,
                used_at=to_utc_text(now),
                rating_id=rating_id,
            )
        )
    except ReceiptError:
        session.rollback()
        raise
    except IntegrityError:
        session.rollback()
        raise ReceiptError("used", "this link was already used") from None
    return found


def used_receipts(session: Session, device_id: str) -> int:
    """How many receipt links of the touchpoint *device_id* have answered."""
    query = select(func.count()).where(ReceiptUse.touchpoint == device_id)
    return session.scalar(query) or 0
