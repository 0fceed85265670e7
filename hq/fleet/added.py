"""How and when each device joined the fleet, for the fleet and store pages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.language import N_
from hq.tables.models import Device, DeviceEnrolment, Store
from kiosk.timekeeping.localtime import parse_utc_text, zone

HOW = {  # English; the pages translate them
    "enrolled": N_("enrolled with a code"),
    "add-device": "hymio hq add-device",
    "add-devices": N_("hymio hq add-devices (a list)"),
}


@dataclass(frozen=True)
class Added:
    """When a device was added (the day in its store's time zone) and how."""

    day: str
    how: str
    means: str


def added(
    session: Session,
    store_id: str | None = None,
    only: frozenset[str] | None = None,
    ids: list[str] | None = None,
) -> dict[str, Added]:
    """Device id → how and when it was added, for every device (of one store, of the
    stores *only*, or the devices *ids*, if given)."""
    query = (
        select(DeviceEnrolment, Store.timezone)
        .join(Device, Device.id == DeviceEnrolment.device_id)
        .join(Store, Store.id == Device.store_id)
    )
    if store_id:
        query = query.where(Device.store_id == store_id)
    if only is not None:
        query = query.where(Device.store_id.in_(sorted(only)))
    if ids is not None:
        query = query.where(Device.id.in_(sorted(ids)))
    out = {}
    for row, timezone in session.execute(query):
        day = parse_utc_text(row.enrolled_at).astimezone(zone(timezone)).date().isoformat()
        out[row.device_id] = Added(day, row.added_how, HOW.get(row.added_how, row.added_how))
    return out
