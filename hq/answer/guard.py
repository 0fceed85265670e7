"""Honesty and abuse at the web survey, kept in the database so every HQ process agrees
(HQ keeps no state of its own between requests): who answered lately, as keyed hashes
only, and the signatures on the survey's forms.

A client is named two ways, each by an HMAC under HQ's own secret (never the address or
the cookie itself): its address (:func:`hq.core.client_address.address_key`: the IPv4
address, the IPv6 /64) and its browser (a first-party cookie holding a random id, no
personal data). ``web_clients`` keeps one row per answer and name for
:data:`KEEP` and no longer.

- ``burst``: the address sent more than :data:`BURST` answers in the last
  :data:`BURST_WINDOW` (this one included): the answer is kept, flagged, not counted.
- The hard limit: more than :data:`LIMIT` in :data:`BURST_WINDOW`: the answer is still
  kept (flagged ``burst``), and the shopper gets the friendly 429 page with
  ``Retry-After`` instead of the next step.
- ``repeat``: the browser answered this link's store before within :data:`REPEAT_WINDOW`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hq.core.client_address import address_key
from hq.tables.models import Meta, WebClient
from kiosk.timekeeping.localtime import to_utc_text

BURST = 5  # answers a minute from one address that still count
LIMIT = 20  # answers a minute from one address before the friendly 429 page
BURST_WINDOW = timedelta(minutes=1)
REPEAT_WINDOW = timedelta(minutes=30)  # a browser's second answer within it is a repeat
KEEP = max(BURST_WINDOW, REPEAT_WINDOW)  # no row of web_clients is kept longer
COOKIE = "hymio_answer"  # the browser's random id; nothing else
SECRET_KEY = "answer_secret"  # noqa: S105 -- the name of its row in meta, not a secret


def answer_secret(sessions: sessionmaker[Session]) -> bytes:
    """HQ's key for the answer forms' signatures and the clients' hashes: made once,
    shared through the database by every process."""
    with sessions() as session:
        row = session.get(Meta, SECRET_KEY)
        if row is None:
            session.add(Meta(key=SECRET_KEY, value=secrets.token_urlsafe(48)))
            try:
                session.commit()
            except IntegrityError:  # another process made it first
                session.rollback()
            row = session.get(Meta, SECRET_KEY)
        return row.value.encode()


def sign(secret: bytes, *parts: object) -> str:
    """The signature of *parts* (joined with ``|``), URL-safe, 32 characters."""
    text = "|".join(str(p) for p in parts).encode("utf-8", "surrogatepass")
    return hmac.new(secret, text, hashlib.sha256).hexdigest()[:32]


def signed(secret: bytes, signature: str, *parts: object) -> bool:
    """Whether *signature* is :func:`sign` of *parts*."""
    if not (signature or "").isascii():  # compare_digest refuses to compare those
        return False
    return hmac.compare_digest(sign(secret, *parts), signature)


def new_browser_id() -> str:
    """A random id for the browser's cookie."""
    return secrets.token_urlsafe(16)


def address_name(secret: bytes, host: str | None) -> str:
    """The keyed hash that stands for the client's address in ``web_clients``."""
    return "a:" + sign(secret, "address", address_key(host))


def browser_name(secret: bytes, browser_id: str, store_id: str) -> str:
    """The keyed hash that stands for the browser, for one store, in ``web_clients``."""
    return "b:" + sign(secret, "browser", browser_id, store_id)


def recent(session: Session, name: str, now: datetime, window: timedelta) -> int:
    """How many answers *name* gave in the *window* before *now*."""
    since = to_utc_text(now - window)
    query = select(func.count()).select_from(WebClient)
    return session.scalar(query.where(WebClient.client == name, WebClient.at > since)) or 0


def note(session: Session, names: list[str], now: datetime) -> None:
    """Note an answer of each of *names* at *now* (in the caller's transaction), and let
    go of what is older than :data:`KEEP`."""
    at = to_utc_text(now)
    session.add_all(WebClient(client=name, at=at) for name in names)
    if secrets.randbelow(20) == 0:  # now and then: the table holds minutes, not history
        session.execute(delete(WebClient).where(WebClient.at < to_utc_text(now - KEEP)))


def over_limit(session: Session, secret: bytes, host: str | None, now: datetime) -> int:
    """Seconds to wait when the address is over :data:`LIMIT` now (0: not over)."""
    if recent(session, address_name(secret, host), now, BURST_WINDOW) < LIMIT:
        return 0
    return int(BURST_WINDOW.total_seconds())
