"""A store's opening hours as its kiosks have them: the ``[hours]`` of the store's survey
settings (:mod:`hq.fleet.surveys` keeps them), read for the figures that ask whether a
store was open (silent kiosks, the fleet page)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.tables.models import Survey
from kiosk.settings.model import Hours


def store_hours(session: Session, store_id: str) -> Hours:
    """The store's opening hours from its survey settings (open all day if none are set)."""
    row = session.scalar(select(Survey).where(Survey.store_id == store_id, Survey.device_id == ""))
    hours = (row.body or {}).get("hours", {}) if row else {}
    return Hours.model_validate(hours)


def all_store_hours(session: Session) -> dict[str, Hours]:
    """:func:`store_hours` of every store with survey settings, in one query (a store
    without is open all day: ``Hours()``)."""
    rows = session.scalars(select(Survey).where(Survey.device_id == ""))
    return {r.store_id: Hours.model_validate((r.body or {}).get("hours", {})) for r in rows}
