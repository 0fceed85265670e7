"""``GET /api/v1/stores/{id}/what-if``: a store's ratings re-counted with another repeat
window (:mod:`hq.insight.recount`), the twin of the dashboard's what-if page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hq.api import errors
from hq.core.errors import ApiError
from hq.ingest.wire import Day
from hq.insight.counts import today
from hq.insight.period import choose
from hq.insight.recount import (
    DEFAULTS,
    LEAD_IN,
    THANK_YOU_LIMITS,
    WINDOW_LIMITS,
    store_thank_you,
    what_if,
)
from hq.web.deps import DB, Now, Reader, visible_store

router = APIRouter(prefix="/api/v1", tags=["figures"])


class Counted(BaseModel):
    """The period's ratings under one set of rules."""

    ratings: int = Field(description="every rating of the period")
    counted: int = Field(description="the ratings the metrics count")
    not_counted: dict[str, int] = Field(description="the others, by flag or time_suspect")
    scales: dict[str, dict] = Field(description="the metrics of the counted ratings per scale")


class Changed(BaseModel):
    """Ratings whose counting the re-count changes."""

    left_out: int = Field(description="counted as stored, not counted when re-counted")
    let_in: int = Field(description="not counted as stored, counted when re-counted")


class WhatIf(BaseModel):
    """The store's local days as stored and re-counted (the documentation, "What if:
    re-counting repeats"): only ``lockout`` and ``repeat`` are decided again."""

    store_id: str
    timezone: str
    from_: str = Field(alias="from", description="first local day")
    to: str = Field(description="last local day")
    repeat_window: float = Field(description="seconds, the window the re-count used")
    thank_you: float = Field(description="seconds, the thank-you time the re-count used")
    lead_in_seconds: int = Field(description="read before the first day for the memory only")
    scale: str = Field(description="the most used scale")
    stored: Counted
    recounted: Counted
    changed: Changed


@router.get(
    "/stores/{store_id}/what-if",
    response_model=WhatIf,
    response_model_by_alias=True,
    responses=errors(400, 401, 404, 422),
)
def store_what_if(
    store_id: str,
    session: DB,
    now: Now,
    reader: Reader,
    repeat_window: Annotated[
        float,
        Query(
            ge=WINDOW_LIMITS[0],
            le=WINDOW_LIMITS[1],
            allow_inf_nan=False,
            description="seconds: a press this soon after the previous one is a repeat",
        ),
    ] = DEFAULTS.repeat_window,
    thank_you: Annotated[
        float | None,
        Query(
            ge=THANK_YOU_LIMITS[0],
            le=THANK_YOU_LIMITS[1],
            allow_inf_nan=False,
            description="seconds of the thank-you screen (default: the store's survey"
            " settings at HQ, else the kiosk's default)",
        ),
    ] = None,
    from_: Annotated[
        Day | None,
        Query(alias="from", description="first local day (default: 29 days before 'to')"),
    ] = None,
    to: Annotated[
        Day | None, Query(description="last local day (default: today, or 29 days after 'from')")
    ] = None,
) -> WhatIf:
    """The store's ratings of its local days re-counted with another repeat window: the
    metrics, the ratings not counted by flag, as stored and as re-counted, and how many
    ratings move between counted and not counted."""
    store = visible_store(session, reader, store_id)
    try:
        period = choose(today(store, now), from_, to, "previous")
    except ValueError as e:
        raise ApiError(400, "bad_range", str(e)) from None
    thanks = store_thank_you(session, store.id) if thank_you is None else thank_you
    result = what_if(session, store, period.first, period.last, repeat_window, thanks)
    return WhatIf.model_validate(
        {
            "store_id": store.id,
            "timezone": store.timezone,
            "from": period.first.isoformat(),
            "to": period.last.isoformat(),
            "repeat_window": repeat_window,
            "thank_you": thanks,
            "lead_in_seconds": int(LEAD_IN.total_seconds()),
            "scale": result.scale,
            "stored": result.stored.as_dict(),
            "recounted": result.recounted.as_dict(),
            "changed": {"left_out": result.left_out, "let_in": result.let_in},
        }
    )
