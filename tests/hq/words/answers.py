"""Web answers for the tests of comments: a web link of a store and ratings through it,
as the web survey stores them (``source`` ``web``, the link as their device)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hq.fleet.touchpoints import add_web_link
from hq.tables.models import Rating
from kiosk.timekeeping.localtime import to_utc_text

REASONS_FI = {
    "queue": "Jono",
    "staff": "Palvelu",
    "prices": "Hinnat",
    "availability": "Loppu",
    "cleanliness": "Siisteys",
    "other": "Muu syy",
}
REASONS_SV = {
    "queue": "Kö",
    "staff": "Service",
    "prices": "Priser",
    "availability": "Slut i lager",
    "cleanliness": "Renlighet",
    "other": "Annat",
}
REASONS_EN = {
    "queue": "Queue",
    "staff": "Service",
    "prices": "Prices",
    "availability": "Out of stock",
    "cleanliness": "Cleanliness",
    "other": "Other",
}
REASONS = {"fi": REASONS_FI, "sv": REASONS_SV, "en": REASONS_EN}


def web_link(session: Session, store_id: str, now: datetime, name: str = "QR") -> str:
    """A new web link of *store_id*: its device id."""
    return add_web_link(session, None, store_id, name, "checkout", now).id


def web_rating(
    session: Session, store_id: str, device_id: str, at: datetime, score: int = 2, **over
) -> str:
    """A web answer of *device_id* recorded at *at*, added to *session*: its id."""
    seq = session.scalar(select(func.count()).where(Rating.device_id == device_id)) + 1
    rating = Rating(
        id=str(uuid.uuid4()),
        device_id=device_id,
        store_id=store_id,
        database_id="web",
        seq=seq,
        survey_id="default",
        question_id="overall",
        config_version=1,
        scale="smiley4",
        score=score,
        source="web",
        reason=None,
        recorded_at=to_utc_text(at),
        clock_synced=True,
        boot_id="web",
        mono_ns=0,
        flag=None,
        received_at=to_utc_text(at + timedelta(seconds=1)),
    )
    for k, v in over.items():
        setattr(rating, k, v)
    session.add(rating)
    session.flush()
    return rating.id
