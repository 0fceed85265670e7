"""Kiosks from the browser: rename, move to another store, retire (kept with its ratings;
its token stops working), give a new token (shown once). Who may is asked of
:mod:`hq.people.access`: an admin any kiosk; a manager the kiosks of their stores, and
moves them only between their own stores.

A move takes effect at once at HQ and is kept in the kiosk's store history
(:class:`~hq.tables.chain.DeviceStore`). The kiosk learns its new store at its next
settings pull (``store_id`` in ``GET /api/v1/config``) and stamps its ratings with it from
then on; the ratings it recorded before are taken in the store they name, as HQ takes
any rating stamped with a store the kiosk has been in (:mod:`hq.ingest.batches`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import N_, HQError
from hq.core.names import BadNameError, check_id, one_line
from hq.fleet.chain.errors import ChainError
from hq.fleet.chain.stores import actor_of, store_to_change
from hq.people.access import Access
from hq.people.admin import add_device, rotate_token
from hq.people.audit import record
from hq.people.credentials import new_token, token_hash
from hq.tables.chain import DeviceStore
from hq.tables.models import Device
from kiosk.timekeeping.localtime import to_utc_text


def kiosk_to_change(session: Session, by: Access | None, device_id: str) -> Device:
    """The kiosk *device_id* if *by* may change it: a 404 :class:`ChainError` if there is
    none or its store is not *by*'s to see, a 403 if *by* may only read it, a 409 if it
    is retired."""
    device = session.get(Device, device_id)
    if (
        device is None
        or (by is not None and not by.sees(device.store_id))
        or device.kind != "kiosk"
    ):
        raise ChainError("device", N_("there is no kiosk {id}"), status=404, id=repr(device_id))
    if by is not None and not by.acts_on(device.store_id):
        raise ChainError("device", N_("you may not change this kiosk"), status=403)
    if device.retired_at is not None:
        what = N_("kiosk {id} is retired: its token no longer works and it cannot be changed")
        raise ChainError("device", what, status=409, id=repr(device_id))
    return device


def rename_kiosk(
    session: Session,
    by: Access | None,
    device_id: str,
    name: str,
    now: datetime,
    commit: bool = True,
) -> None:
    """Give the kiosk a name people know it by ("at the main door"); its id stays.
    With *commit* false the caller commits it with more (the API's one change)."""
    device = kiosk_to_change(session, by, device_id)
    try:
        name = one_line("name", name) if name.strip() else ""
    except BadNameError as e:
        raise ChainError("name", str(e).removeprefix("name: ")) from None
    changes = {"name": [device.name, name]}
    record(session, actor_of(by), "rename", "device", device_id, changes, now)
    device.name = name
    if commit:
        session.commit()


def move_kiosk(
    session: Session, by: Access | None, device_id: str, store_id: str, now: datetime
) -> None:
    """Move the kiosk to the store *store_id* (one *by* may change, not retired), from
    *now* on: kept in its store history and the audit log. The page, the API and
    ``hymio hq set-device --store`` all call this."""
    device = kiosk_to_change(session, by, device_id)
    try:
        store_to_change(session, by, store_id)
    except ChainError as e:
        raise ChainError("store", e.text, status=e.status, **e.values) from None
    if store_id == device.store_id:
        what = N_("kiosk {id} is already in store {store}")
        raise ChainError("store", what, id=repr(device_id), store=repr(store_id))
    changes = {"store": [device.store_id, store_id]}
    record(session, actor_of(by), "move", "device", device_id, changes, now)
    had = session.scalar(select(DeviceStore.id).where(DeviceStore.device_id == device_id).limit(1))
    if had is None:  # added after migration 0022 and never moved: its first store first
        session.add(DeviceStore(device_id=device_id, store_id=device.store_id,
                                since=device.created_at))  # fmt: skip
    session.add(DeviceStore(device_id=device_id, store_id=store_id, since=to_utc_text(now)))
    device.store_id = store_id
    session.commit()


def was_moved(session: Session, device_id: str) -> bool:
    """Whether the kiosk was ever moved at HQ (its history has a store after its first)."""
    rows = select(DeviceStore.id).where(DeviceStore.device_id == device_id).limit(2)
    return len(session.scalars(rows).all()) > 1


def store_history(session: Session, device_id: str) -> list[tuple[str, str]]:
    """The kiosk's stores, each with the time it moved there (UTC text), oldest first;
    ``[]`` for a kiosk never moved since it was added."""
    rows = session.execute(
        select(DeviceStore.store_id, DeviceStore.since)
        .where(DeviceStore.device_id == device_id)
        .order_by(DeviceStore.id)
    )
    return [(r.store_id, r.since) for r in rows]


def retire_kiosk(session: Session, by: Access | None, device_id: str, now: datetime) -> None:
    """Retire the kiosk: kept with its ratings, its token refused from now on (replaced
    by one nobody has)."""
    device = kiosk_to_change(session, by, device_id)
    record(session, actor_of(by), "retire", "device", device_id, {}, now)
    device.token_hash = token_hash(new_token())
    device.retired_at = to_utc_text(now)
    session.commit()


def new_kiosk_token(session: Session, by: Access | None, device_id: str, now: datetime) -> str:
    """A new token for the kiosk, returned once; the old one stops working at once."""
    kiosk_to_change(session, by, device_id)
    return rotate_token(session, device_id, actor=actor_of(by), now=now)


def add_kiosk(
    session: Session, by: Access | None, store_id: str, device_id: str, now: datetime
) -> str:
    """A new kiosk in the store (one *by* may change); its token, returned once."""
    try:
        check_id("id", device_id)
    except BadNameError as e:
        raise ChainError("id", str(e).removeprefix("id: ")) from None
    try:
        store_to_change(session, by, store_id)
    except ChainError as e:
        raise ChainError("store", e.text, status=e.status, **e.values) from None
    if session.get(Device, device_id) is not None:
        what = N_("there is already a kiosk {id}")
        raise ChainError("id", what, status=409, id=repr(device_id))
    try:
        return add_device(session, store_id, device_id, now, actor=actor_of(by))
    except HQError as e:  # added by someone else meanwhile
        raise ChainError("id", str(e), status=409) from None
