"""Enrolment: codes that let kiosks register themselves in a store, and the enrolment.

``hymio hq enroll-code`` makes a short code for a store, good for *uses* kiosks until it
expires; HQ keeps only its SHA-256. A kiosk sends the code and its id to
``POST /api/v1/enrol`` and gets a device token back (:func:`enrol`).

Race-safe on SQLite and PostgreSQL: a use is taken by one conditional ``UPDATE … SET
uses_left = uses_left - 1 WHERE uses_left > 0 AND expires_at > now`` in the same
transaction that adds the device, so concurrent enrolments queue on the code's row (a
row lock on PostgreSQL, the write lock on SQLite) and each sees the count the one before
it left. A taken device id rolls the whole transaction back, use included.

A revoked code (:mod:`hq.fleet.enrol_codes`) enrols no one. Failed tries (a wrong,
revoked, used-up or expired code) are counted per client address
(:func:`hq.core.client_address.address_key`): past :data:`FAILURES` within :data:`WINDOW`
that address gets a 429 until the oldest of them is out of the window, right code or not.
Successes are not counted, so 200 kiosks of one store behind one address can enrol at
once. Failures are counted after they happen, so a burst of parallel wrong tries may pass
the limit by the number in flight.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.core.errors import ApiError, HQError, UnknownStoreError
from hq.people.credentials import new_token, token_hash
from hq.tables.models import Device, DeviceEnrolment, EnrolCode, EnrolFailure, Store
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

log = logging.getLogger(__name__)

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a screen, typed on a Pi
LENGTH = 12  # 60 bits, shown as XXXX-XXXX-XXXX
FAILURES = 10
WINDOW = timedelta(minutes=15)
MAX_USES = 10_000
MAX_DAYS = 365
ENROLLED, ADD_DEVICE, ADD_DEVICES = "enrolled", "add-device", "add-devices"


def normal_code(code: str) -> str:
    """*code* as HQ hashes it: upper case, without spaces and dashes."""
    return re.sub(r"[\s-]", "", code).upper()


def code_hash(code: str) -> str:
    """The SHA-256 (hex) that HQ keeps of *code*."""
    return hashlib.sha256(normal_code(code).encode("utf-8", "surrogatepass")).hexdigest()


def make_code(
    session: Session,
    store_id: str,
    uses: int,
    days: float,
    now: datetime,
    made_by: str = "operator",
) -> str:
    """A new code for *store_id*, good for *uses* enrolments within *days*, made by
    *made_by* (``operator``: the command line, or ``user:NAME``, ``token:NAME``); shown once."""
    if session.get(Store, store_id) is None:
        raise UnknownStoreError(f"no store {store_id!r}; add it first with hymio hq add-store")
    if not 1 <= uses <= MAX_USES:
        raise HQError(f"--uses {uses}: give 1 to {MAX_USES} kiosks")
    if not 0 < days <= MAX_DAYS or not math.isfinite(days):
        raise HQError(f"--expires {days}: give more than 0 and at most {MAX_DAYS} days")
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session.add(
        EnrolCode(
            code_hash=code_hash(raw),
            store_id=store_id,
            uses=uses,
            uses_left=uses,
            created_at=to_utc_text(now),
            expires_at=to_utc_text(now + timedelta(days=days)),
            made_by=made_by,
        )
    )
    session.commit()
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


@dataclass(frozen=True)
class Enrolled:
    """A device that enrolled: its id, its store, and its token (shown only now)."""

    device_id: str
    store_id: str
    token: str


def enrol(
    session: Session,
    lock: AbstractContextManager,
    code: str,
    device_id: str,
    address: str,
    now: datetime,
) -> Enrolled:
    """Register *device_id* with *code* from the client *address*; raises :class:`ApiError`
    (403 for the code, 409 for a taken id, 429 past the throttle) and changes nothing then."""
    at = to_utc_text(now)
    _throttle(session, lock, address, now)
    with lock:
        taken = session.execute(
            update(EnrolCode)
            .where(
                EnrolCode.code_hash == code_hash(code),
                EnrolCode.uses_left > 0,
                EnrolCode.expires_at > at,
                EnrolCode.revoked_at.is_(None),
            )
            .values(uses_left=EnrolCode.uses_left - 1)
            .returning(EnrolCode.id, EnrolCode.store_id)
        ).first()
        if taken is None:
            session.rollback()
            failure = _why(session, code, at)
            session.add(EnrolFailure(address=address, at=at))
            session.commit()
            raise failure
        token = new_token()
        hashed = token_hash(token)
        session.add(Device(id=device_id, store_id=taken.store_id, token_hash=hashed, created_at=at))
        session.add(
            DeviceEnrolment(
                device_id=device_id, added_how=ENROLLED, enrolled_at=at, code_id=taken.id
            )
        )
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            raise ApiError(
                409,
                "device_taken",
                f"device id {device_id!r} is taken at HQ; give this kiosk another id"
                " (hymio enroll --device-id ID), or ask HQ to remove the old one",
            ) from None
    log.info("device %s enrolled in store %s from %s", device_id, taken.store_id, address)
    return Enrolled(device_id, taken.store_id, token)


def _why(session: Session, code: str, at: str) -> ApiError:
    """Why *code* did not enrol: wrong, revoked, expired or used up."""
    row = session.scalar(select(EnrolCode).where(EnrolCode.code_hash == code_hash(code)))
    if row is None:
        return ApiError(403, "wrong_code", "HQ knows no such enrol code; check it for typos")
    if row.revoked_at is not None:
        return ApiError(
            403,
            "code_revoked",
            f"the enrol code was revoked at {row.revoked_at}; ask HQ for a new one",
        )
    if row.expires_at <= at:
        return ApiError(
            403,
            "code_expired",
            f"the enrol code expired at {row.expires_at}; make a new one with hymio hq enroll-code",
        )
    return ApiError(
        403,
        "code_used_up",
        f"the enrol code has been used by all {row.uses} kiosks it was made for;"
        " make a new one with hymio hq enroll-code",
    )


def _throttle(session: Session, lock: AbstractContextManager, address: str, now: datetime) -> None:
    """A 429 when *address* has failed :data:`FAILURES` times within :data:`WINDOW`."""
    since = to_utc_text(now - WINDOW)
    with lock:
        session.execute(delete(EnrolFailure).where(EnrolFailure.at <= since))
        session.commit()
    count, oldest = session.execute(
        select(func.count(), func.min(EnrolFailure.at)).where(
            EnrolFailure.address == address, EnrolFailure.at > since
        )
    ).one()
    if count >= FAILURES:
        wait = max(1, math.ceil((parse_utc_text(oldest) + WINDOW - now).total_seconds()))
        log.warning("enrolment from %s refused: %d wrong codes in %s", address, count, WINDOW)
        raise ApiError(
            429,
            "too_many_tries",
            f"{count} wrong enrol codes from this address in {WINDOW.seconds // 60} min;"
            f" retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
