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

from sqlalchemy import and_, or_, select, union
from sqlalchemy.orm import Session

from hq.ingest.completeness import Completeness, completeness_of
from hq.insight.figures import OPEN, is_silent
from hq.insight.hours import all_store_hours
from hq.tables.models import Device, DeviceDatabase, DeviceReceived, Store
from kiosk.timekeeping.localtime import zone


@dataclass(frozen=True)
class Silent:
    """A device that has not been heard from for over an hour while its store is open."""

    device_id: str
    store_id: str


def silent_devices(
    session: Session, now: datetime, only: frozenset[str] | None = None
) -> tuple[list[Silent], int]:
    """The silent devices, by store name and id, and how many working devices there are
    (of the stores *only*, if given); a retired one is neither."""
    hours = all_store_hours(session)
    query = (
        select(Device.id, Device.store_id, Device.last_seen_at, Store.timezone)
        .join(Store)
        .where(Device.retired_at.is_(None))  # a retired kiosk is never silent
        .order_by(Store.name, Device.id)
    )
    if only is not None:
        query = query.where(Device.store_id.in_(sorted(only)))
    rows = session.execute(query).all()
    local: dict[str, datetime] = {}
    out = []
    for device_id, store_id, seen_at, tz in rows:
        if tz not in local:
            local[tz] = now.astimezone(zone(tz))
        if is_silent(now, local[tz], hours.get(store_id, OPEN), seen_at):
            out.append(Silent(device_id, store_id))
    return out, len(rows)


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
    query = select(Device.id, Device.store_id).where(Device.id.in_(maybe))
    # A Result has .keys(), so dict() would take it for a mapping: unpack the rows.
    owners = {device: store for device, store in session.execute(query)}  # noqa: C416
    out: dict[str, list[Completeness]] = {}
    for device_id, found in completeness_of(session, maybe).items():
        if not found.complete and device_id in owners:
            out.setdefault(owners[device_id], []).append(found)
    return out
