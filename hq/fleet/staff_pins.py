"""The staff PIN set at HQ for a store's kiosks, or for one kiosk, kept as its scrypt hash.

The hash is made by :func:`kiosk.pin.hash_pin`, the same scheme as the kiosk's own
``hymio set-pin``, so the kiosk checks it with the code it already has. Kiosks take it
with their survey settings (``GET /api/v1/config``, ``staff.pin_hash``); a PIN set on the
kiosk itself (``[staff] pin_hash`` in its settings file) wins over it there.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import HQError
from hq.people.admin import check_target
from hq.tables.models import Device, StaffPin
from kiosk import pin
from kiosk.timekeeping.localtime import to_utc_text


def set_staff_pin(
    session: Session, store_id: str, device_id: str, pin_hash: str, now: datetime
) -> None:
    """Keep *pin_hash* for the store's kiosks (``device_id`` empty) or for one of them."""
    if not pin.is_valid_hash(pin_hash):
        raise HQError("that is not a staff PIN hash made by kiosk.pin.hash_pin")
    check_target(session, store_id, device_id)
    row = session.get(StaffPin, (store_id, device_id))
    if row is None:
        row = StaffPin(store_id=store_id, device_id=device_id)
        session.add(row)
    row.pin_hash, row.updated_at = pin_hash, to_utc_text(now)
    session.commit()


def staff_pin_for(session: Session, device: Device) -> str | None:
    """The PIN hash HQ has for *device*: its own, else its store's, else ``None``."""
    rows = session.scalars(
        select(StaffPin).where(
            StaffPin.store_id == device.store_id, StaffPin.device_id.in_(["", device.id])
        )
    ).all()
    own = [r for r in rows if r.device_id == device.id] or rows
    return own[0].pin_hash if own else None
