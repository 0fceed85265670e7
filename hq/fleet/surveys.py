"""Survey settings per store or per device, as the kiosk's own ``[survey]`` and ``[hours]``.

A survey file is checked by the kiosk's settings model before HQ keeps it, so a device is
never sent settings it would refuse. Each change takes the next version number of its
store or device (:func:`issue_version`: a campaign takes its number from the same count,
:mod:`hq.fleet.survey.campaigns`), so numbers already given out never change and never
come back. What a device is sent today (:func:`survey_for`) is a campaign running there
in its store's zone today, else its own standing survey, else its store's. Setting the
same survey again keeps its version (issue 30).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.actions.log import messages_of
from hq.fleet.staff_pins import staff_pin_for
from hq.insight.hours import exceptions_of, with_exceptions
from hq.people.admin import check_target
from hq.tables.models import Device, Store, Survey
from hq.tables.surveys import SurveyCampaign, SurveyCampaignTarget
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


def survey_row(session: Session, store_id: str, device_id: str) -> Survey | None:
    """The kept row of the store (``device_id`` empty) or device, if any."""
    return session.scalar(
        select(Survey).where(Survey.store_id == store_id, Survey.device_id == device_id)
    )


def _row(session: Session, store_id: str, device_id: str) -> Survey:
    """The row of the store or device, made (with no settings: version 0) if missing; a new
    device row counts on from its store's, so a number is never given out twice there."""
    row = survey_row(session, store_id, device_id)
    if row is None:
        start = _row(session, store_id, "").issued if device_id else 0
        row = Survey(store_id=store_id, device_id=device_id, version=0, issued=start)
        row.body, row.updated_at = {"survey": {}, "hours": {}}, ""
        session.add(row)
        session.flush()
    return row


def issue_version(session: Session, store_id: str, device_id: str) -> int:
    """The next version number of the device or store: one more than any the store or its
    kiosks were ever given, so a number names one survey of the store and the figures,
    which tell versions apart by number, never blend two (issue 30); not committed."""
    rows = session.scalars(select(Survey).where(Survey.store_id == store_id)).all()
    top = max((max(r.issued or 0, r.version) for r in rows), default=0)
    row = survey_row(session, store_id, device_id) if device_id else None
    row = row or _row(session, store_id, "")
    row.issued = top + 1
    return row.issued


def keep_survey(
    session: Session, store_id: str, device_id: str, tables: dict[str, Any], now: datetime
) -> int:
    """Keep *tables* as the standing settings of the store or device; its new version
    (not committed)."""
    row = _row(session, store_id, device_id)
    body = {k: tables.get(k, {}) for k in TABLES}
    if row.version and row.body == body:
        return row.version  # the same survey again: the kiosks keep their version
    version = issue_version(session, store_id, device_id)
    row.version = row.issued = version
    row.body = {k: tables.get(k, {}) for k in TABLES}
    row.updated_at = to_utc_text(now)
    row.publication_id = None  # set directly; a publish names itself after this
    return version


def set_survey(
    session: Session, store_id: str, device_id: str, tables: dict[str, Any], now: datetime
) -> int:
    """Keep *tables* for the store (``device_id`` empty) or one device; its version: the
    same as before if nothing changed, else a new one for the store."""
    check_target(session, store_id, device_id)
    version = keep_survey(session, store_id, device_id, tables, now)
    session.commit()
    return version


def survey_for(
    session: Session,
    device: Device,
    now: datetime | None = None,
    find_campaign: Callable[[Session, str, str, date], tuple[int, dict] | None] | None = None,
) -> dict[str, Any]:
    """The device's survey settings: a campaign running on it today (in its store's zone,
    at *now*; none without *now*), else its own, else its store's, else version 0 with
    none; with the store's exceptions to its opening hours in ``hours.exceptions`` (when
    it has any), ``staff.pin_hash`` when HQ has a staff PIN for it
    (:mod:`hq.fleet.staff_pins`) and ``message`` (language → text) when its store has a
    kiosk message (:mod:`hq.actions.log`). *find_campaign* finds the campaign running
    (:func:`campaign_today` unless given: :mod:`hq.fleet.survey.resolve` gives its own)."""
    rows = session.scalars(
        select(Survey).where(
            Survey.store_id == device.store_id,
            Survey.device_id.in_(["", device.id]),
            Survey.version > 0,
        )
    ).all()
    own = [r for r in rows if r.device_id == device.id] or rows
    body = {"version": own[0].version, **own[0].body} if own else dict(_NONE)
    if now is not None:
        store = session.get(Store, device.store_id)
        today = now.astimezone(ZoneInfo(store.timezone)).date() if store else now.date()
        find = find_campaign or campaign_today
        running = find(session, device.store_id, device.id, today)
        if running is not None:
            version, survey = running
            body = {"version": version, "survey": survey, "hours": body.get("hours", {})}
    extra = exceptions_of(session, [device.store_id]).get(device.store_id)
    if extra and own:  # the store's holidays and special days (hq.fleet.chain.hours)
        body = {**body, "hours": with_exceptions(body.get("hours") or {}, extra)}
    pin_hash = staff_pin_for(session, device)
    body = {**body, "staff": {"pin_hash": pin_hash}} if pin_hash else {**body}
    message = messages_of(session, device.store_id)
    return {**body, "message": message} if message else body


def campaign_today(
    session: Session, store_id: str, device_id: str, today: date
) -> tuple[int, dict[str, Any]] | None:
    """The version and ``[survey]`` table of the campaign running on the device (or, if
    none names it, on its store) on the local day *today*: the newest one scheduled."""
    day = today.isoformat()
    found = session.execute(
        select(SurveyCampaignTarget.device_id, SurveyCampaignTarget.version, SurveyCampaign.survey)
        .join(SurveyCampaign, SurveyCampaign.id == SurveyCampaignTarget.campaign_id)
        .where(
            SurveyCampaignTarget.store_id == store_id,
            SurveyCampaignTarget.device_id.in_(["", device_id]),
            SurveyCampaign.cancelled_at.is_(None),
            SurveyCampaign.starts_on <= day,
            SurveyCampaign.ends_on >= day,
        )
        .order_by(SurveyCampaign.id.desc())
    ).all()
    mine = [f for f in found if f.device_id == device_id] or found
    return (mine[0].version, mine[0].survey) if mine else None
