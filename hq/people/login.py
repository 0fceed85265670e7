"""Checking a dashboard login: the throttle, the password, the log.

The throttle counts failed logins in the database (``login_failures``), so every HQ process
on it shares the count, and it counts them by the client's address:

- at most :data:`PER_USERNAME` failures for one username from one address, and
- at most :data:`PER_ADDRESS` failures from one address, whatever the usernames (spraying),

within the last :data:`WINDOW`. Past either, that address (for that username, or for all)
is refused with a 429 until enough of its failures are older than the window; it is not
checked and not counted, so hammering on does not prolong it. Nobody can lock an owner
out from elsewhere: the right password from an address that has not been failing always
gets in. A login that succeeds is not counted, and it forgets its address's failures for
its username (the owner's own typing mistakes).

An attempt is written down before its password is checked and deleted again if it
succeeds, so that parallel attempts from one address see each other and cannot slip past
the limit together.

The address is the client's as :mod:`hq.core.client_address` decides it (from X-Forwarded-For
only when the peer is a proxy named in ``forwarded_allow_ips``; by default none is). An
IPv6 client counts as its /64 network, which one host usually has whole.

Argon2 runs for every checked attempt, against a dummy hash when there is no such user, so
a known and an unknown username take the same time. A deactivated user
(:mod:`hq.people.auth.status`) is refused as a wrong password is. Each failure and each
refusal is one WARNING line naming the username (``repr``, so control characters cannot
forge lines) and the address.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hq.core.client_address import address_key
from hq.people.credentials import check_password, hash_password
from hq.tables.people import LoginFailure, User
from kiosk.settings.model import ID_PATTERN
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

log = logging.getLogger(__name__)

WINDOW = timedelta(minutes=15)
PER_USERNAME = 5
PER_ADDRESS = 20


@dataclass(frozen=True)
class Outcome:
    """What came of a login: who logged in, or how many seconds the address must wait."""

    username: str | None = None
    wait: float = 0.0


@functools.cache
def dummy_hash() -> str:
    """An argon2 hash of a random password, with the same cost as the users' hashes,
    made once per process (the first unknown username pays for it)."""
    return hash_password(secrets.token_urlsafe(16))


def username_key(username: str) -> str:
    """How the throttle names *username*: lower case when it could be a username at all,
    else a digest (it may hold anything the form sent, NUL and control characters too)."""
    if re.fullmatch(ID_PATTERN, username):
        return username.lower()
    return "?" + hashlib.sha256(username.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def check_login(
    db: Session,
    lock: AbstractContextManager,
    username: str,
    password: str,
    host: str | None,
    now: datetime,
) -> Outcome:
    """Check *username* and *password* from the client at *host*; writes under *lock*."""
    address, key = address_key(host), username_key(username)
    since = to_utc_text(now - WINDOW)
    with lock:
        db.execute(delete(LoginFailure).where(LoginFailure.at <= since))
        attempt = LoginFailure(address=address, username=key, at=to_utc_text(now))
        db.add(attempt)
        db.commit()
    earlier = db.execute(
        select(LoginFailure.username, LoginFailure.at).where(
            LoginFailure.address == address, LoginFailure.at > since, LoginFailure.id != attempt.id
        )
    ).all()
    from_address = sorted(at for _, at in earlier)
    for_username = sorted(at for name, at in earlier if name == key)
    wait = max(_wait(from_address, PER_ADDRESS, now), _wait(for_username, PER_USERNAME, now))
    if wait > 0:
        with lock:
            db.execute(delete(LoginFailure).where(LoginFailure.id == attempt.id))
            db.commit()
        log.warning(
            "login refused without checking: username %r from %r has failed too often"
            " (%d from this address, %d for this username, in %d min); retry in %d s",
            username, address, len(from_address), len(for_username),
            WINDOW.total_seconds() // 60, wait,
        )  # fmt: skip
        return Outcome(wait=wait)
    user = db.get(User, username) if re.fullmatch(ID_PATTERN, username) else None
    ok = check_password(user.password_hash if user else dummy_hash(), password)
    if ok and user is not None and not user.deactivated_at:
        with lock:
            db.execute(
                delete(LoginFailure).where(
                    LoginFailure.address == address, LoginFailure.username == key
                )
            )
            db.commit()
        return Outcome(username=user.username)
    log.warning("failed login: username %r from %r", username, address)
    for count, limit, whom in (
        (len(from_address), PER_ADDRESS, "every username"),
        (len(for_username), PER_USERNAME, "this username"),
    ):
        if count < limit <= count + 1:
            log.warning(
                "login locked: %d failed logins in %d min; %r refused for %s for up to %d min"
                " (last username tried %r)",
                limit, WINDOW.total_seconds() // 60, address, whom,
                WINDOW.total_seconds() // 60, username,
            )  # fmt: skip
    return Outcome()


def _wait(times: list[str], limit: int, now: datetime) -> float:
    """Seconds until fewer than *limit* of the failures at *times* (sorted) are in the
    window; 0 if fewer already are."""
    if len(times) < limit:
        return 0.0
    oldest_that_counts = parse_utc_text(times[len(times) - limit])
    return max((oldest_that_counts + WINDOW - now).total_seconds(), 0.001)
