"""A store's opening hours as its kiosks have them: the ``[hours]`` of the store's survey
settings (:mod:`hq.fleet.surveys` keeps them), with the store's exceptions (holidays
closed, special days; :mod:`hq.fleet.chain.hours` keeps them) laid over, read for the
figures that ask whether a store was open (silent kiosks, the fleet page) and sent to
the kiosks with their settings."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.tables.chain import HoursException
from hq.tables.database import among
from hq.tables.models import Survey
from kiosk.settings.model import Hours

MOST_EXCEPTIONS = 400  # the newest days a kiosk is sent: a year and more


def as_kiosk_writes(text: str) -> str | list[str]:
    """An exception's stored hours (``closed``, or ranges joined by ``,``) as the
    kiosk's ``[hours]`` writes a day."""
    if text == "closed":
        return text
    ranges = [r.strip() for r in text.split(",") if r.strip()]
    return ranges[0] if len(ranges) == 1 else ranges


def exceptions_of(session: Session, store_ids: list[str] | None = None) -> dict[str, dict]:
    """Each store's exceptions as the kiosk's ``[hours] exceptions`` (day → hours), the
    newest :data:`MOST_EXCEPTIONS` days of each; stores without any left out."""
    query = select(HoursException).order_by(HoursException.day.desc())
    if store_ids is not None:
        query = query.where(among(session, HoursException.store_id, store_ids))
    found: dict[str, dict] = {}
    for row in session.scalars(query):
        days = found.setdefault(row.store_id, {})
        if len(days) < MOST_EXCEPTIONS:
            days[row.day] = as_kiosk_writes(row.hours)
    return found


def with_exceptions(hours: dict[str, Any], exceptions: dict | None) -> dict[str, Any]:
    """*hours* (a ``[hours]`` table) with the store's *exceptions*, if it has any (so a
    store without stays byte for byte as it was)."""
    return {**hours, "exceptions": dict(sorted(exceptions.items()))} if exceptions else hours


def store_hours(session: Session, store_id: str) -> Hours:
    """The store's opening hours from its survey settings and its exceptions (open all
    day if none are set)."""
    hours = all_store_hours(session, [store_id]).get(store_id)
    return hours if hours is not None else Hours()


def all_store_hours(session: Session, store_ids: list[str] | None = None) -> dict[str, Hours]:
    """:func:`store_hours` of every store (or of *store_ids*) with survey settings or
    exceptions, in two queries (a store with neither is open all day: ``Hours()``). A
    page of a few stores asks for theirs: the whole chain's is a settings body and an
    ``Hours`` checked per store."""
    query = select(Survey.store_id, Survey.body).where(Survey.device_id == "")
    if store_ids is not None:
        query = query.where(among(session, Survey.store_id, store_ids))
    bodies = {store_id: (body or {}).get("hours", {}) for store_id, body in session.execute(query)}
    extra = exceptions_of(session, store_ids)
    return {
        s: Hours.model_validate(with_exceptions(bodies.get(s, {}), extra.get(s)))
        for s in set(bodies) | set(extra)
    }
