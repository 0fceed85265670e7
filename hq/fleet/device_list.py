"""``hymio hq add-devices``: many devices from a CSV list, all or none.

The list has a header row naming the columns ``store`` and ``device`` (``store_id`` and
``device_id`` work too). Every row is checked first (a usable id, a known store, no id
twice, none taken at HQ), then all are added in one transaction. The tokens go to a new
file of mode 0600 (``device,store,token`` per line), never to the terminal.
"""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hq.core.errors import DuplicateError, HQError
from hq.core.names import check_id
from hq.fleet.enrolment import ADD_DEVICES
from hq.people.credentials import new_token, token_hash
from hq.tables.models import Device, DeviceEnrolment, Store
from kiosk.timekeeping.localtime import to_utc_text

COLUMNS = {"store": "store", "store_id": "store", "device": "device", "device_id": "device"}


def read_device_list(path: Path) -> list[tuple[str, str]]:
    """The (store, device) pairs of the CSV file at *path*; an :class:`HQError` naming the
    file, the line and what is wrong."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise HQError(f"{path}: cannot be read as a CSV list: {e}") from None
    if not rows:
        raise HQError(f"{path}: is empty; write a header 'store,device' and one line per device")
    header = [COLUMNS.get(name.strip().lower()) for name in rows[0]]
    if "store" not in header or "device" not in header:
        raise HQError(f"{path}: line 1 must name the columns store and device, not {rows[0]}")
    s, d = header.index("store"), header.index("device")
    out, seen = [], {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise HQError(f"{path}: line {number} has {len(row)} fields, the header {len(header)}")
        store, device = row[s].strip(), row[d].strip()
        try:
            check_id("store id", store)
            check_id("device id", device)
        except HQError as e:
            raise HQError(f"{path}: line {number}: {e}") from None
        if device in seen:
            raise HQError(f"{path}: line {number}: device {device!r} is on line {seen[device]} too")
        seen[device] = number
        out.append((store, device))
    if not out:
        raise HQError(f"{path}: lists no devices under its header")
    return out


def add_devices(
    session: Session, devices: list[tuple[str, str]], tokens: Path, now: datetime
) -> int:
    """Add every (store, device) of *devices* and write their tokens to the new file
    *tokens* (mode 0600); nothing is added if any cannot be. Returns how many."""
    stores = set(session.scalars(select(Store.id)))
    unknown = sorted({store for store, _ in devices} - stores)
    if unknown:
        raise HQError(f"no store {unknown[0]!r}; add it first with hymio hq add-store")
    ids = [device for _, device in devices]
    taken = sorted(session.scalars(select(Device.id).where(Device.id.in_(ids))))
    if taken:
        raise DuplicateError(f"device {taken[0]!r} already exists; nothing was added")
    try:
        out = os.open(tokens, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise HQError(f"{tokens} exists; name a new file for the tokens") from None
    except OSError as e:
        raise HQError(f"cannot write the tokens to {tokens}: {e.strerror}") from None
    try:
        with os.fdopen(out, "w", newline="", encoding="utf-8") as f:
            _add_all(session, devices, csv.writer(f), to_utc_text(now))
            f.flush()
            os.fsync(f.fileno())  # the tokens are safe on disk before the devices exist
        session.commit()
    except IntegrityError:
        session.rollback()
        tokens.unlink(missing_ok=True)
        raise DuplicateError("a device of the list was added meanwhile; none was added") from None
    except BaseException:
        session.rollback()
        tokens.unlink(missing_ok=True)
        raise
    return len(devices)


def _add_all(session: Session, devices: list[tuple[str, str]], out, at: str) -> None:
    out.writerow(["device", "store", "token"])
    for store, device in devices:
        token = new_token()
        session.add(Device(id=device, store_id=store, token_hash=token_hash(token), created_at=at))
        session.add(DeviceEnrolment(device_id=device, added_how=ADD_DEVICES, enrolled_at=at))
        out.writerow([device, store, token])
