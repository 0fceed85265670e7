"""``GET /api/v1/stores/{id}/actions``: what a store did, by local day (:mod:`hq.actions.log`)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hq.actions.log import actions_between
from hq.api import FirstDay, LastDay, days_asked, errors
from hq.web.deps import DB, Now, Reader, visible_store


class Action(BaseModel):
    """One thing done at the store, recorded against a local day."""

    id: int
    day: str = Field(description="the local day it concerns, YYYY-MM-DD")
    text: str
    author: str = Field(description="the dashboard user who recorded it")
    created_at: str = Field(description="when it was recorded (UTC)")


class Actions(BaseModel):
    """A store's actions on the days asked for, oldest day first."""

    store_id: str
    timezone: str
    actions: list[Action]


router = APIRouter(prefix="/api/v1", tags=["figures"])


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
    return Actions(
        store_id=store.id,
        timezone=store.timezone,
        actions=[
            Action(id=a.id, day=a.day, text=a.text, author=a.author, created_at=a.created_at)
            for a in found
        ],
    )
