"""``GET /api/v1/stores/{id}/daily``: per-day counts and metrics of one store."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from hq.api import FirstDay, LastDay, days_asked, errors
from hq.api.business import RateOut
from hq.insight.business.rates import store_rates
from hq.insight.channels import ChannelSplit, channel_split
from hq.insight.counts import daily, day_counts
from hq.insight.splits import guarded_days
from hq.web.deps import DB, Now, Reader, visible_store

router = APIRouter(prefix="/api/v1", tags=["figures"])


class Daily(BaseModel):
    """Days in the store's time zone, oldest first; metrics per scale (SPEC §3)."""

    store_id: str
    timezone: str
    days: list[dict]  # each with ratings_per_100_transactions (None: no figures)
    per_transactions: RateOut = Field(
        description="the response rate over the days: ratings per 100 transactions"
    )
    per_visitors: RateOut
    by_channel: dict[str, dict] = Field(
        default_factory=dict,
        description="per scale, over the days: the counted ratings and metrics of each channel"
        " (kiosk, web) and each touchpoint with its journey stage; {} for a store without"
        " a web link (issue 32)",
    )


@router.get("/stores/{store_id}/daily", response_model=Daily, responses=errors(400, 401, 404, 422))
def store_daily(
    request: Request,
    store_id: str,
    session: DB,
    now: Now,
    reader: Reader,
    from_: FirstDay = None,
    to: LastDay = None,
) -> Daily:
    """Counts and metrics per local day, quiet days included, with the response rate
    (counted ratings per 100 transactions of the hours with business figures); a day with
    fewer ratings than HQ's privacy limit (``HYMIO_HQ_MIN_CELL``, default 5) has its count
    but no metrics. With a web link, ``by_channel`` splits the days' ratings by channel
    and touchpoint, under the same limit."""
    store = visible_store(session, reader, store_id)
    first, last = days_asked(store, now, from_, to)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    counted = day_counts(session, store, days)
    days = guarded_days(daily(counted), request.app.state.min_cell)
    rates = store_rates(session, store.id, first, last)
    for day in days:
        rate = rates.days.get(day["date"])
        day["ratings_per_100_transactions"] = rate[0].per_100 if rate else None
    few = request.app.state.min_cell
    splits = {scale: channel_split(session, store, first, last, scale, few)
              for scale in sorted(counted.scales)}  # fmt: skip
    return Daily(store_id=store.id, timezone=store.timezone, days=days,
                 per_transactions=RateOut.of_rate(rates.transactions),
                 per_visitors=RateOut.of_rate(rates.visitors),
                 by_channel={scale: split_out(split) for scale, split in splits.items()
                             if split.has_web})  # fmt: skip


def split_out(split: ChannelSplit) -> dict:
    """A store's split by channel and touchpoint as the API gives it."""
    return {
        "channels": [{"channel": r.kind, "ratings": r.n, "metrics": r.figures}
                     for r in split.channels],
        "touchpoints": [{"id": r.key, "name": r.name, "channel": r.kind, "stage": r.stage,
                         "ratings": r.n, "metrics": r.figures} for r in split.touchpoints],
    }  # fmt: skip
