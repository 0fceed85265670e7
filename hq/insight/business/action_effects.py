"""The actions' effects read from HQ: for each action day of a store, the comparable
stores chosen over the whole chain and the daily counts of both read from the kept
``rating_days``, then :func:`hq.insight.business.effects.estimate`.

One estimate per store and action day (two actions recorded on one day are one change).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hq.insight.business.effects import MIN_CONTROLS, WEEKS, Effect, estimate
from hq.tables.actions import StoreAction
from hq.tables.models import SCORES, DayCount, Store

SPAN = timedelta(days=7 * WEEKS)
_SCORE_COLUMNS = [getattr(DayCount, f"s{i}") for i in SCORES]


def effects_of(
    session: Session, store: Store, days: Iterable[str], last: date
) -> dict[str, Effect]:
    """The effect of the store's actions on each of *days* (local, ISO), *last* being the
    store's last day that has ended; a day without ratings to stand on is left out."""
    found = {}
    for day in sorted(set(days)):
        effect = _effect(session, store, date.fromisoformat(day), last)
        if effect is not None:
            found[day] = effect
    return found


def _effect(session: Session, store: Store, day: date, last: date) -> Effect | None:
    first, end = (day - SPAN).isoformat(), (day + SPAN).isoformat()
    scale = session.scalar(
        select(DayCount.scale)
        .where(DayCount.store_id == store.id, DayCount.day.between(first, end))
        .group_by(DayCount.scale)
        .order_by(func.sum(sum(_SCORE_COLUMNS)).desc(), DayCount.scale)
        .limit(1)
    )
    if scale is None:
        return None
    acted = set(session.scalars(
        select(StoreAction.store_id).where(StoreAction.day.between(first, end)).distinct()
    ))  # fmt: skip
    rated = (
        select(DayCount.store_id)
        .where(DayCount.scale == scale, DayCount.day.between(first, end))
        .distinct()
    )
    candidates = session.execute(
        select(Store.id, Store.region_id).where(Store.id.in_(rated), Store.id != store.id)
    ).all()
    free = [c for c in candidates if c.id not in acted]
    controls = [c.id for c in free if c.region_id == store.region_id]
    if len(controls) < MIN_CONTROLS:
        controls = [c.id for c in free]
    if not controls:
        return None
    mine = _daily(session, [store.id], scale, first, end)
    theirs = _daily(session, controls, scale, first, end)
    return estimate(scale, day, last, mine, theirs, len(controls))


def _daily(session: Session, stores: list[str], scale: str, first: str, end: str) -> dict:
    daily: dict[str, Counter[int]] = {}
    rows = session.execute(
        select(DayCount.day, *(func.sum(c) for c in _SCORE_COLUMNS))
        .where(DayCount.store_id.in_(stores), DayCount.scale == scale,
               DayCount.day.between(first, end))
        .group_by(DayCount.day)
    )  # fmt: skip
    for day, *counts in rows:
        daily[day] = Counter({s: int(n) for s, n in zip(SCORES, counts, strict=True) if n})
    return daily
