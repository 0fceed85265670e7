"""What the all-stores page says of the fleet, without reading the whole fleet: the devices
silent while their store is open, and the completeness of the devices that may lack
something (only those are looked at in full, by :func:`hq.ingest.completeness.completeness_of`).

A device can lack ratings only where a database's count is below its highest ``seq``
received (a gap), where it reported a ``seq`` beyond what HQ received (a tail), or where
it reported ratings pending or held: one query finds those devices; the others are
complete without a look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, union
from sqlalchemy.orm import Session

from hq.ingest.completeness import Completeness, completeness_of
from hq.insight.figures import SILENT
from hq.insight.hours import all_store_hours
from hq.tables.models import Device, DeviceDatabase, DeviceReceived, Store
from kiosk.timekeeping.localtime import to_utc_text, zone


@dataclass(frozen=True)
class Silent:
    """A device that has not been heard from for over an hour while its store is open."""

    device_id: str
    store_id: str


def closed_stores(session: Session, now: datetime) -> list[str]:
    """The stores closed at *now* by their opening hours (a store without hours is open all
    day, so only the stores that have some are looked at: stores, never devices)."""
    hours = all_store_hours(session)
    if not hours:
        return []
    zones = session.execute(select(Store.id, Store.timezone).where(Store.id.in_(sorted(hours))))
    local: dict[str, datetime] = {}
    out = []
    for store_id, tz in zones:
        if tz not in local:
            local[tz] = now.astimezone(zone(tz))
        if not hours[store_id].is_open(local[tz]):
            out.append(store_id)
    return sorted(out)


def silent_where(session: Session, now: datetime) -> ColumnElement[bool]:
    """The SQL condition of a silent device (:func:`hq.insight.figures.is_silent`): not
    retired, not heard from for over :data:`SILENT` (``last_seen_at`` is HQ's UTC text,
    whose order is the times' order), in a store open at *now*."""
    closed = closed_stores(session, now)
    cutoff = to_utc_text(now - SILENT)
    quiet = or_(Device.last_seen_at.is_(None), Device.last_seen_at < cutoff)
    where = and_(Device.retired_at.is_(None), Device.kind == "kiosk", quiet)
    return and_(where, Device.store_id.not_in(closed)) if closed else where


def silent_devices(
    session: Session, now: datetime, only: frozenset[str] | None = None
) -> tuple[list[Silent], int]:
    """The silent devices, by store name and id, and how many working devices there are
    (of the stores *only*, if given); a retired one is neither. Both from SQL: only the
    silent devices are read."""
    working = select(func.count()).select_from(Device)
    working = working.where(Device.retired_at.is_(None), Device.kind == "kiosk")
    query = (
        select(Device.id, Device.store_id)
        .join(Store)
        .where(silent_where(session, now))
        .order_by(Store.name, Device.id)
    )
    if only is not None:
        working = working.where(Device.store_id.in_(sorted(only)))
        query = query.where(Device.store_id.in_(sorted(only)))
    out = [Silent(device_id, store_id) for device_id, store_id in session.execute(query)]
    return out, session.scalar(working) or 0


def lacking(session: Session) -> dict[str, list[Completeness]]:
    """Per store, the completeness of each of its devices that lacks something."""
    r, d = DeviceReceived, DeviceDatabase
    gaps = select(r.device_id).where(r.received < r.last_seq)
    reported = (
        select(d.device_id)
        .outerjoin(r, and_(r.device_id == d.device_id, r.database_id == d.database_id))
        .where(or_(r.last_seq.is_(None), d.last_seq > r.last_seq, d.pending > 0, d.held > 0))
    )
    maybe = sorted(session.scalars(union(gaps, reported)))
    if not maybe:
        return {}
    # web links (issue 32) number their answers themselves: completeness is the kiosks'
    query = select(Device.id, Device.store_id).where(Device.id.in_(maybe), Device.kind == "kiosk")
    # A Result has .keys(), so dict() would take it for a mapping: unpack the rows.
    owners = {device: store for device, store in session.execute(query)}  # noqa: C416
    out: dict[str, list[Completeness]] = {}
    for device_id, found in completeness_of(session, maybe).items():
        if not found.complete and device_id in owners:
            out.setdefault(owners[device_id], []).append(found)
    return out
