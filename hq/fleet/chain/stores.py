"""Stores from the browser: add, rename, move between regions, set the time zone,
retire (kept and read-only, out of the ranking and the all-stores page; admins still see
it, marked retired). Who may is asked of :mod:`hq.people.access`: an admin anywhere; a
manager only for the stores of their part, and adds or moves stores only into their own
regions; nobody else."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import N_, HQError
from hq.core.names import BadNameError, check_id, one_line
from hq.fleet.chain.errors import ChainError
from hq.people.access import Access
from hq.people.admin import add_store
from hq.people.audit import CLI, record
from hq.tables.models import Device, Region, Store
from kiosk.timekeeping.localtime import to_utc_text, zone


def actor_of(by: Access | None) -> str:
    """Who changes, for the audit log: the reader, or the command line's operator."""
    return by.who if by is not None else CLI


def _named(field: str, check, *args) -> str:
    try:
        return check(*args)
    except BadNameError as e:
        raise ChainError(field, str(e).removeprefix(f"{field}: ")) from None


def check_timezone(timezone: str) -> str:
    """*timezone* if it is an IANA time zone; a :class:`ChainError` naming it otherwise."""
    try:
        zone(timezone)
    except ValueError:
        what = N_("{value} is not a time zone; use an IANA name such as Europe/Helsinki")
        raise ChainError("timezone", what, value=repr(timezone)) from None
    return timezone


def _region(session: Session, by: Access | None, region_id: str) -> str | None:
    """*region_id* ("" for directly under the chain) if it exists and *by* may put a
    store there."""
    if region_id and session.get(Region, region_id) is None:
        raise ChainError("region", N_("there is no region {id}"), id=repr(region_id))
    if by is not None and not by.places(region_id or None):
        what = N_("you may put stores only into your own regions")
        raise ChainError("region", what, status=403)
    return region_id or None


def store_to_change(session: Session, by: Access | None, store_id: str) -> Store:
    """The store *store_id* if *by* may change it: a 404 :class:`ChainError` if there is
    none or *by* may not see it (alike, so its existence does not leak), a 403 if *by*
    may only read it, a 409 if it is retired (read-only)."""
    store = session.get(Store, store_id)
    if store is None or (by is not None and not by.sees(store_id)):
        raise ChainError("store", N_("there is no store {id}"), status=404, id=repr(store_id))
    if by is not None and not by.acts_on(store_id):
        raise ChainError("store", N_("you may not change this store"), status=403)
    if store.retired_at is not None:
        what = N_("store {id} is retired: it is kept as it was and cannot be changed")
        raise ChainError("store", what, status=409, id=repr(store_id))
    return store


def create_store(
    session: Session,
    by: Access | None,
    store_id: str,
    name: str,
    timezone: str,
    region_id: str,
    now: datetime,
) -> Store:
    """A new store in *region_id* ("": directly under the chain, admins only)."""
    _named("id", check_id, "id", store_id)
    name = _named("name", one_line, "name", name)
    check_timezone(timezone)
    region = _region(session, by, region_id)
    if session.get(Store, store_id) is not None:
        what = N_("there is already a store {id}")
        raise ChainError("id", what, status=409, id=repr(store_id))
    try:
        return add_store(session, store_id, name, timezone, now, region, actor=actor_of(by))
    except HQError as e:  # a store added by someone else meanwhile
        raise ChainError("id", str(e), status=409) from None


def change_store(
    session: Session,
    by: Access | None,
    store_id: str,
    now: datetime,
    name: str | None = None,
    region_id: str | None = None,
    timezone: str | None = None,
) -> Store:
    """Rename the store, move it to *region_id* ("": directly under the chain) and count
    its days in *timezone* from now on, each only if given; all are checked before any
    is made, and they are one line of the audit log."""
    store = store_to_change(session, by, store_id)
    changes: dict[str, list[str]] = {}
    if name is not None:
        name = _named("name", one_line, "name", name)
        changes["name"] = [store.name, name]
    region = store.region_id
    if region_id is not None:
        region = _region(session, by, region_id)
        changes["region"] = [store.region_id or "", region or ""]
    if timezone is not None:
        changes["timezone"] = [store.timezone, check_timezone(timezone)]
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    if changes:
        action = (
            "change"
            if len(changes) > 1
            else {"name": "rename", "region": "move"}.get(next(iter(changes)), "set-timezone")
        )
        record(session, actor_of(by), action, "store", store_id, changes, now)
        store.name = name if name is not None else store.name
        store.region_id = region
        store.timezone = timezone if timezone is not None else store.timezone
        session.commit()
    return store


def rename_store(session: Session, by: Access | None, store_id: str, name: str, now: datetime):
    """Give the store another name (its id, and so its kiosks' settings, stay)."""
    change_store(session, by, store_id, now, name=name)


def move_store(session: Session, by: Access | None, store_id: str, region_id: str, now: datetime):
    """Put the store in *region_id* ("": directly under the chain)."""
    change_store(session, by, store_id, now, region_id=region_id)


def set_timezone(
    session: Session, by: Access | None, store_id: str, timezone: str, now: datetime
) -> None:
    """Count the store's days and hours in *timezone* from now on (an IANA name)."""
    change_store(session, by, store_id, now, timezone=timezone)


def retire_store(session: Session, by: Access | None, store_id: str, now: datetime) -> None:
    """Retire the store: kept with its ratings, read-only, out of the ranking and the
    all-stores page. Its kiosks must be retired or moved first."""
    store = store_to_change(session, by, store_id)
    working = session.scalars(
        select(Device.kind).where(Device.store_id == store_id, Device.retired_at.is_(None))
    ).all()
    if "kiosk" in working:
        what = N_("store {id} still has kiosks; retire them or move them to another store first")
        raise ChainError("store", what, status=409, id=repr(store_id))
    if working:  # web links (issue 32): they would go on asking for a retired store
        what = N_("store {id} still has web links; retire them under Touchpoints first")
        raise ChainError("store", what, status=409, id=repr(store_id))
    record(session, actor_of(by), "retire", "store", store_id, {}, now)
    store.retired_at = to_utc_text(now)
    session.commit()


def stores_for(session: Session, by: Access | None) -> list[Store]:
    """The stores *by* may see, working ones first by name, then the retired ones; a
    manager never sees a retired store (it is an admin's to keep)."""
    stores = session.scalars(select(Store).order_by(Store.name, Store.id)).all()
    shown = [s for s in stores if by is None or by.sees(s.id)]
    if by is not None and not by.is_admin:
        shown = [s for s in shown if s.retired_at is None]
    return sorted(shown, key=lambda s: s.retired_at is not None)


def matching(
    stores: list[Store], text: str = "", within: frozenset[str] | None = None
) -> list[Store]:
    """The *stores* whose name or id holds *text* (trimmed; case and Unicode forms not
    minded: "KAMPPI" finds "Kamppi"), and, given *within*, only those of its ids; their
    order kept."""
    wanted = _folded(text.strip())
    return [
        s
        for s in stores
        if (within is None or s.id in within)
        and (not wanted or wanted in _folded(s.name) or wanted in _folded(s.id))
    ]


def _folded(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()
