"""``GET /api/v1/stores/{id}/actions``: what a store did, by local day (:mod:`hq.actions.log`),
each with what it changed (:mod:`hq.insight.business.effects`)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hq.actions.log import actions_between
from hq.api import FirstDay, LastDay, days_asked, errors
from hq.insight.business.action_effects import effects_of
from hq.insight.business.effects import Effect
from hq.insight.counts import today
from hq.web.deps import DB, Now, Reader, visible_store


class ChangeOut(BaseModel):
    """One metric's difference in differences, in points."""

    metric: str = Field(description="unhappy (share of unhappy answers, %) or index")
    change: float | None = Field(description="after − before, the store's minus its comparison's")
    low: float | None = Field(description="95 % interval")
    high: float | None
    verdict: str = Field(description="too_early, no_clear_change, fell or rose")


class EffectOut(BaseModel):
    """What the actions of the day changed, against similar stores without an action."""

    weeks_before: int
    weeks_after: int
    ratings: int
    comparison_ratings: int
    comparison_stores: int
    unhappy: ChangeOut
    index: ChangeOut


class Action(BaseModel):
    """One thing done at the store, recorded against a local day."""

    id: int
    day: str = Field(description="the local day it concerns, YYYY-MM-DD")
    text: str
    author: str = Field(description="the dashboard user who recorded it")
    created_at: str = Field(description="when it was recorded (UTC)")
    effect: EffectOut | None = Field(
        None, description="what the day's actions changed (None: no ratings to stand on)"
    )


class Actions(BaseModel):
    """A store's actions on the days asked for, oldest day first."""

    store_id: str
    timezone: str
    actions: list[Action]


router = APIRouter(prefix="/api/v1", tags=["figures"])
ONE_DAY = timedelta(days=1)


@router.get(
    "/stores/{store_id}/actions", response_model=Actions, responses=errors(400, 401, 404, 422)
)
def store_actions(
    store_id: str,
    session: DB,
    now: Now,
    reader: Reader,
    from_: FirstDay = None,
    to: LastDay = None,
) -> Actions:
    """The actions recorded for the store's local days ``from`` … ``to``."""
    store = visible_store(session, reader, store_id)
    first, last = days_asked(store, now, from_, to)
    found = actions_between(session, store.id, first, last)
    effects = effects_of(session, store, [a.day for a in found], today(store, now) - ONE_DAY)
    return Actions(
        store_id=store.id,
        timezone=store.timezone,
        actions=[
            Action(id=a.id, day=a.day, text=a.text, author=a.author, created_at=a.created_at,
                   effect=_effect(effects.get(a.day)))
            for a in found
        ],
    )  # fmt: skip


def _effect(effect: Effect | None) -> EffectOut | None:
    if effect is None:
        return None
    return EffectOut(
        weeks_before=effect.weeks_before, weeks_after=effect.weeks_after,
        ratings=effect.ratings, comparison_ratings=effect.comparison_ratings,
        comparison_stores=effect.comparison_stores,
        unhappy=ChangeOut(**vars(effect.unhappy)), index=ChangeOut(**vars(effect.index)),
    )  # fmt: skip
