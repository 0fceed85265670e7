"""A store's opening hours from the browser: the weekly hours (the ``[hours]`` of the
store's survey settings, as :mod:`hq.fleet.surveys` keeps them and the kiosks pull them)
and exceptions on single days (a holiday closed, a special day with other hours), which
HQ sends to the kiosks with their settings as ``[hours] exceptions`` and counts with
(:mod:`hq.insight.hours`: silent kiosks, the fleet page).

Hours are written as the kiosk writes them: ``08:00-21:00``, several ranges separated
by ``,`` or ``closed``; each is checked by the kiosk's own rule before HQ keeps it.
Changing hours does not change the survey's version (that names the question): the
kiosks see the change by the settings' ETag."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from hq.core.errors import N_
from hq.core.names import BadNameError, one_line
from hq.fleet.chain.errors import ChainError
from hq.fleet.chain.stores import actor_of, store_to_change
from hq.insight.hours import as_kiosk_writes
from hq.people.access import Access
from hq.people.audit import record
from hq.tables.chain import HoursException
from hq.tables.models import Survey
from kiosk.timekeeping.hours import WEEKDAYS, parse_ranges
from kiosk.timekeeping.localtime import to_utc_text

ALL_DAY = "00:00-24:00"
MOST_RANGES = 6


def read_hours(field: str, text: str) -> str:
    """*text* (``closed``, or ranges separated by ``,``) checked by the kiosk's rule and
    written one way (``08:00-12:00,13:00-18:00``); a :class:`ChainError` naming *field*."""
    text = text.strip()
    if text.lower() == "closed":
        return "closed"
    ranges = [r.strip() for r in text.split(",") if r.strip()]
    if not ranges or len(ranges) > MOST_RANGES:
        what = N_(
            "{value} is not opening hours: write 08:00-21:00, 08:00-12:00, 13:00-18:00 or closed"
        )
        raise ChainError(field, what, value=repr(text))
    try:
        parse_ranges(ranges)
    except ValueError as e:
        raise ChainError(field, str(e)) from None
    return ",".join(ranges)


def _store_survey(session: Session, store_id: str, now: datetime) -> Survey:
    """The store's own survey settings, made (version 1, the kiosks' own question) if
    it has none, so that its hours reach its kiosks."""
    row = session.scalar(select(Survey).where(Survey.store_id == store_id, Survey.device_id == ""))
    if row is None:
        row = Survey(store_id=store_id, device_id="", version=1, body={"survey": {}, "hours": {}})
        row.updated_at = to_utc_text(now)
        session.add(row)
    return row


def weekly_hours(session: Session, store_id: str) -> dict[str, str]:
    """The store's hours of each weekday as a person writes them (``mon`` → ``08:00-21:00``)."""
    row = session.scalar(select(Survey).where(Survey.store_id == store_id, Survey.device_id == ""))
    hours = (row.body or {}).get("hours", {}) if row else {}
    out = {}
    for day in WEEKDAYS:
        value = hours.get(day, ALL_DAY)
        out[day] = ", ".join(value) if isinstance(value, list) else str(value)
    return out


def set_weekly_hours(
    session: Session, by: Access | None, store_id: str, days: dict[str, str], now: datetime
) -> dict[str, str]:
    """Set the store's hours of the weekdays in *days* (``mon`` … ``sun`` → hours; the
    others stay); every day is checked before any is kept. Returns the week."""
    store_to_change(session, by, store_id)
    unknown = sorted(set(days) - set(WEEKDAYS))
    if unknown:
        what = N_("{value} is not a weekday: use mon, tue, wed, thu, fri, sat, sun")
        raise ChainError(unknown[0], what, value=repr(unknown[0]))
    written = {day: read_hours(day, text) for day, text in days.items()}
    row = _store_survey(session, store_id, now)
    body = dict(row.body or {})
    hours = dict(body.get("hours") or {})
    before = weekly_hours(session, store_id)
    hours.update({day: as_kiosk_writes(text) for day, text in written.items()})
    body["hours"] = {d: hours[d] for d in WEEKDAYS if d in hours} | {
        k: v for k, v in hours.items() if k not in WEEKDAYS
    }
    row.body = body  # a new dict: SQLAlchemy sees the JSON change
    row.updated_at = to_utc_text(now)
    changes = {d: [before[d], t.replace(",", ", ")] for d, t in written.items()}
    changes = {d: c for d, c in changes.items() if c[0] != c[1]}
    record(session, actor_of(by), "set-hours", "hours", store_id, changes, now)
    session.commit()
    return weekly_hours(session, store_id)


def _day(text: str) -> str:
    try:
        ok = date.fromisoformat(text).isoformat() == text
    except (ValueError, TypeError):
        ok = False
    if not ok:
        raise ChainError("day", N_("{value} is not a day like 2026-12-24"), value=repr(text))
    return text


def set_exception(
    session: Session,
    by: Access | None,
    store_id: str,
    day: str,
    hours: str,
    note: str,
    now: datetime,
) -> HoursException:
    """The store's hours on the local *day* instead of its weekday's (``closed`` for a
    holiday), with a *note* saying why; replaces that day's exception if it had one."""
    store_to_change(session, by, store_id)
    day = _day(day)
    written = read_hours("hours", hours)
    try:
        note = one_line("note", note) if note.strip() else ""
    except BadNameError as e:
        raise ChainError("note", str(e).removeprefix("note: ")) from None
    _store_survey(session, store_id, now)
    row = session.get(HoursException, (store_id, day))
    if row is None:
        row = HoursException(store_id=store_id, day=day)
        session.add(row)
    row.hours, row.note = written, note
    changes = {"day": day, "hours": written.replace(",", ", "), "note": note}
    record(session, actor_of(by), "set-exception", "hours", store_id, changes, now)
    session.commit()
    return row


def remove_exception(
    session: Session, by: Access | None, store_id: str, day: str, now: datetime
) -> None:
    """The store keeps its weekday's hours on *day* again."""
    store_to_change(session, by, store_id)
    day = _day(day)
    gone = session.execute(
        delete(HoursException).where(HoursException.store_id == store_id, HoursException.day == day)
    ).rowcount
    if not gone:
        session.rollback()
        what = N_("store {id} has no exception on {day}")
        raise ChainError("day", what, status=404, id=repr(store_id), day=day)
    record(session, actor_of(by), "remove-exception", "hours", store_id, {"day": day}, now)
    session.commit()


def exceptions_list(session: Session, store_id: str) -> list[dict[str, Any]]:
    """The store's exceptions, by day: day, hours (as a person writes them), note."""
    query = select(HoursException).where(HoursException.store_id == store_id)
    rows = session.scalars(query.order_by(HoursException.day))
    return [{"day": r.day, "hours": r.hours.replace(",", ", "), "note": r.note} for r in rows]
