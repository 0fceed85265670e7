"""Survey settings per store or per device, as the kiosk's own ``[survey]`` and ``[hours]``.

A survey file is checked by the kiosk's settings model before HQ keeps it, so a device is
never sent settings it would refuse. Each change takes a new version: one more than any
the store or its kiosks ever had, so a version number names one survey of the store and
never goes back (a kiosk's first own survey does not restart at 1); setting the same
survey again keeps its version (issue 30).
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.actions.log import messages_of
from hq.fleet.staff_pins import staff_pin_for
from hq.people.admin import check_target
from hq.tables.models import Device, Survey
from kiosk.errors import SettingsError
from kiosk.settings.load import parse_settings
from kiosk.timekeeping.localtime import to_utc_text

TABLES = ("survey", "hours")
_NONE = {"version": 0, "survey": {}, "hours": {}}


def read_survey_file(path: Path) -> dict[str, Any]:
    """The ``[survey]`` and ``[hours]`` tables of the TOML file at *path*, checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SettingsError(path, [("", "no such file")]) from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SettingsError(path, [("", f"cannot be read as TOML: {e}")]) from None
    extra = sorted(set(data) - set(TABLES))
    if extra:
        raise SettingsError(path, [(extra[0], "is not a survey table; use [survey] and [hours]")])
    parse_settings({k: data.get(k, {}) for k in TABLES}, path)
    return {k: data.get(k, {}) for k in TABLES}


def set_survey(
    session: Session, store_id: str, device_id: str, tables: dict[str, Any], now: datetime
) -> int:
    """Keep *tables* for the store (``device_id`` empty) or one device; its version: the
    same as before if nothing changed, else a new one for the store."""
    check_target(session, store_id, device_id)
    rows = session.scalars(select(Survey).where(Survey.store_id == store_id)).all()
    row = next((r for r in rows if r.device_id == device_id), None)
    body = {k: tables.get(k, {}) for k in TABLES}
    if row is not None and row.body == body:
        return row.version  # the same survey again: the kiosks keep their version
    if row is None:
        row = Survey(store_id=store_id, device_id=device_id, version=0)
        session.add(row)
    row.version = max((r.version for r in rows), default=0) + 1
    row.body = body
    row.updated_at = to_utc_text(now)
    session.commit()
    return row.version


def survey_for(session: Session, device: Device) -> dict[str, Any]:
    """The device's own survey settings, else its store's, else version 0 with none; with
    ``staff.pin_hash`` when HQ has a staff PIN for it (:mod:`hq.fleet.staff_pins`) and
    ``message`` (language → text) when its store has a kiosk message (:mod:`hq.actions.log`)."""
    rows = session.scalars(
        select(Survey).where(
            Survey.store_id == device.store_id, Survey.device_id.in_(["", device.id])
        )
    ).all()
    own = [r for r in rows if r.device_id == device.id] or rows
    body = {"version": own[0].version, **own[0].body} if own else _NONE
    pin_hash = staff_pin_for(session, device)
    body = {**body, "staff": {"pin_hash": pin_hash}} if pin_hash else {**body}
    message = messages_of(session, device.store_id)
    return {**body, "message": message} if message else body
