"""Touchpoints (issue 32): every place a store asks its shoppers — a kiosk, or a web link
(a QR code, a receipt link) that HQ serves at ``/r/<code>`` — with the journey stage the
admin sets for it.

A web link is a row of ``devices`` (``kind`` ``web``) beside the store's kiosks, so its
answers are ratings with the link as their device and every figure, ranking, alert and
report sees them through the tables it already reads. Its ``token_hash`` is the hash of
a token nobody was given, so no device token works for it; the kiosk paths (heartbeat,
settings pull, completeness, silent kiosks, ``/fleet``, problems, enrolment) leave it out
with :func:`kiosks_only`.

The page, the API and ``hymio hq`` call these functions; each asks
:mod:`hq.people.access` whether *by* may (as :mod:`hq.fleet.chain.kiosks` does) and
writes its line of the audit log in the same transaction as the change.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import N_
from hq.core.names import BadNameError, one_line
from hq.fleet.chain.errors import ChainError
from hq.fleet.chain.stores import actor_of, store_to_change
from hq.people.access import Access
from hq.people.audit import record
from hq.people.credentials import new_token, token_hash
from hq.tables.models import Device
from kiosk.timekeeping.localtime import to_utc_text

KIOSK, WEB = "kiosk", "web"
KINDS = (KIOSK, WEB)
# The journey stages an admin picks from, in the order a shopper meets them; '' is unset.
STAGES = {
    "entrance": N_("Entrance"),
    "fitting_room": N_("Fitting room"),
    "checkout": N_("Checkout"),
    "service_desk": N_("Service desk"),
    "after_purchase": N_("After purchase"),
}
KIND_NAMES = {KIOSK: N_("Kiosk"), WEB: N_("Web link")}
# A link's code: 10 characters of 31 that cannot be mistaken for each other when typed
# from a poster (no 0/o, 1/l/i): 31**10 ≈ 8 × 10**14, too many to find a store's by trying.
CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
CODE_LENGTH = 10
WEB_ID_PREFIX = "web-"


def kiosks_only():
    """The condition that leaves web links out of a query of ``devices`` (the kiosk paths:
    heartbeat, completeness, silent kiosks, the fleet page, problems, enrolment)."""
    return Device.kind == KIOSK


def is_web(device: Device) -> bool:
    """Whether *device* is a web link, not a kiosk."""
    return device.kind == WEB


def new_code() -> str:
    """A fresh random link code (URL-safe, :data:`CODE_LENGTH` characters)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def check_stage(stage: str) -> str:
    """*stage* if it is '' or one of :data:`STAGES`; a :class:`ChainError` naming it."""
    stage = (stage or "").strip()
    if stage and stage not in STAGES:
        what = N_("{value} is not a journey stage; use one of {stages}")
        raise ChainError("stage", what, value=repr(stage), stages=", ".join(STAGES))
    return stage


def touchpoint_to_change(session: Session, by: Access | None, device_id: str) -> Device:
    """The touchpoint (kiosk or web link) *device_id* if *by* may change it: 404 if there
    is none or it is not *by*'s to see, 403 if *by* may only read it, 409 if retired."""
    device = session.get(Device, device_id)
    if device is None or (by is not None and not by.sees(device.store_id)):
        what = N_("there is no touchpoint {id}")
        raise ChainError("device", what, status=404, id=repr(device_id))
    if by is not None and not by.acts_on(device.store_id):
        raise ChainError("device", N_("you may not change this touchpoint"), status=403)
    if device.retired_at is not None:
        what = N_("touchpoint {id} is retired and cannot be changed")
        raise ChainError("device", what, status=409, id=repr(device_id))
    return device


def add_web_link(
    session: Session,
    by: Access | None,
    store_id: str,
    name: str,
    stage: str,
    now: datetime,
) -> Device:
    """A new web link of the store (one *by* may change) with a fresh code; its id is
    ``web-<code>``. The link is ``/r/<code>``."""
    try:
        store_to_change(session, by, store_id)
    except ChainError as e:
        raise ChainError("store", e.text, status=e.status, **e.values) from None
    try:
        name = one_line("name", name) if (name or "").strip() else ""
    except BadNameError as e:
        raise ChainError("name", str(e).removeprefix("name: ")) from None
    stage = check_stage(stage)
    code = new_code()
    while session.scalar(select(Device.id).where(Device.code == code)) is not None:
        code = new_code()  # pragma: no cover -- one in 8 × 10**14
    device = Device(
        id=WEB_ID_PREFIX + code,
        store_id=store_id,
        token_hash=token_hash(new_token()),  # of a token nobody has
        created_at=to_utc_text(now),
        name=name,
        kind=WEB,
        stage=stage,
        code=code,
    )
    changes = {"store": store_id, "kind": WEB, "stage": stage, "name": name}
    record(session, actor_of(by), "add", "device", device.id, changes, now)
    session.add(device)
    session.commit()
    return device


def set_stage(
    session: Session, by: Access | None, device_id: str, stage: str, now: datetime
) -> None:
    """Set the journey stage of the touchpoint (a kiosk or a web link); '' unsets it."""
    device = touchpoint_to_change(session, by, device_id)
    stage = check_stage(stage)
    record(session, actor_of(by), "stage", "device", device_id, {"stage": [device.stage, stage]},
           now)  # fmt: skip
    device.stage = stage
    session.commit()


def retire_web_link(session: Session, by: Access | None, device_id: str, now: datetime) -> None:
    """Retire the web link: kept with its answers, its page answers "no such survey" from
    now on. A kiosk is retired with :func:`hq.fleet.chain.kiosks.retire_kiosk`."""
    device = touchpoint_to_change(session, by, device_id)
    if not is_web(device):
        what = N_("{id} is a kiosk, not a web link; retire it on its kiosk page")
        raise ChainError("device", what, id=repr(device_id))
    record(session, actor_of(by), "retire", "device", device_id, {"code": device.code}, now)
    device.retired_at = to_utc_text(now)
    session.commit()


def find_by_code(session: Session, code: str) -> Device | None:
    """The web link with *code* (retired or not), or ``None``."""
    code = (code or "").strip().lower()
    if not code or len(code) > CODE_LENGTH * 2:
        return None
    return session.scalar(select(Device).where(Device.code == code, Device.kind == WEB))


def touchpoints_of(
    session: Session, by: Access | None, store_id: str, retired: bool = True
) -> list[Device]:
    """The store's touchpoints, kiosks first, then web links, each by id; an empty list
    for a store *by* may not see. With *retired* false only those working."""
    if by is not None and not by.sees(store_id):
        return []
    query = select(Device).where(Device.store_id == store_id)
    if not retired:
        query = query.where(Device.retired_at.is_(None))
    rows = session.scalars(query.order_by(Device.kind, Device.id)).all()
    return list(rows)
