"""Business figures through the API: ``POST /api/v1/business-hours`` takes the CSV layout
of :mod:`hq.insight.business.layout` (all or nothing, an upsert on store and hour), and
``GET /api/v1/stores/{id}/business`` gives a store's figures and response rate by day.

Importing needs an API token whose role may act on the stores (``manager`` or ``admin``;
a browser imports through the Business page, whose form carries its CSRF token); an
analyst's token only reads. A file with problems is a 400 whose
``problems`` name each line and column (at most 50, and how many more).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from hq.api import FirstDay, LastDay, days_asked, errors
from hq.core.errors import ApiError
from hq.insight.business.busyness import by_busyness
from hq.insight.business.rates import Rate, store_rates
from hq.insight.business.saving import BusinessFileError, Imported, import_business
from hq.insight.counts import main_scale
from hq.tables.business import BusinessHour
from hq.web.deps import DB, Now, Reader, WriteLock, visible_store

HIDDEN = ("index", "unhappy", "unhappy_low", "unhappy_high")
MAX_FILE = 64 * 1024 * 1024  # a month of 500 stores is about 17 MB; split larger files
router = APIRouter(prefix="/api/v1", tags=["business"])


class ImportAnswer(BaseModel):
    """What an import wrote."""

    rows: int = Field(description="store-hours written (new or replaced)")
    stores: int
    first_day: str
    last_day: str
    columns: list[str] = Field(description="the figure columns the file had")


class RateOut(BaseModel):
    """Counted ratings per 100 transactions (or visitors) over the hours with the figure."""

    ratings: int
    of: int = Field(description="the transactions (or visitors) in those hours: the n")
    per_100: float | None
    low: float | None = Field(description="95 % interval, low end (None: more ratings than n)")
    high: float | None

    @classmethod
    def of_rate(cls, rate: Rate) -> RateOut:
        return cls(ratings=rate.ratings, of=rate.of, per_100=rate.per_100, low=rate.low,
                   high=rate.high)  # fmt: skip


class BusinessDay(BaseModel):
    """One local day's business figures (sums over its hours with figures)."""

    day: str
    transactions: int | None
    sales: float | None = Field(description="the amount, in the chain's currency")
    footfall: int | None
    staff_hours: float | None
    per_transactions: RateOut
    per_visitors: RateOut


class BandOut(BaseModel):
    """Counted ratings of the hours whose transactions per staff member fall in the band;
    the figures are None below the privacy floor (``min_cell`` ratings)."""

    low: int = Field(description="transactions per staff member in the hour, from")
    high: int | None = Field(description="to under (None: no upper end)")
    hours: int
    ratings: int
    index: float | None
    unhappy: float | None = Field(description="share of unhappy answers, %")
    unhappy_low: float | None = Field(description="95 % interval")
    unhappy_high: float | None


class StoreBusiness(BaseModel):
    """A store's business figures and response rate over the days asked for, and its
    satisfaction by how busy it was."""

    store_id: str
    timezone: str
    per_transactions: RateOut
    per_visitors: RateOut
    days: list[BusinessDay]
    busyness: list[BandOut]


@router.post(
    "/business-hours",
    response_model=ImportAnswer,
    responses=errors(400, 401, 403, 413),
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/csv": {"schema": {"type": "string"}}}}
    },
)
async def import_hours(request: Request, reader: Reader, session: DB, now: Now,
                       lock: WriteLock):  # fmt: skip
    """Import business figures per store and local hour (the CSV layout in the docs)."""
    if not reader.who.startswith("token:"):  # a browser imports through the Business page
        raise ApiError(403, "token_required", "importing needs an API token (or the page)")
    if not reader.acts_on_any():
        raise ApiError(403, "read_only", "this reader only reads; importing needs a manager")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FILE:
            raise ApiError(413, "too_large", f"at most {MAX_FILE} bytes a file; split it by month")
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "bad_file", "the file is not UTF-8 text") from None

    def write() -> Imported | JSONResponse:
        try:
            with lock:
                done = import_business(session, reader, text, now)
                session.commit()
        except BusinessFileError as e:
            session.rollback()
            return _refused(e)
        return done

    done = await run_in_threadpool(write)
    if isinstance(done, JSONResponse):
        return done
    return ImportAnswer(rows=done.rows, stores=done.stores, first_day=done.first_day,
                        last_day=done.last_day, columns=list(done.columns))  # fmt: skip


def _refused(e: BusinessFileError) -> JSONResponse:
    problems = [{"line": p.line, "column": p.column, "message": p.text.format(**p.values)}
                for p in e.problems]  # fmt: skip
    return JSONResponse(
        {"error": {"code": "bad_file", "message": str(e)}, "problems": problems,
         "more_problems": e.more_problems},
        status_code=400,
    )  # fmt: skip


@router.get(
    "/stores/{store_id}/business",
    response_model=StoreBusiness,
    responses=errors(400, 401, 404, 422),
)
def store_business(request: Request, store_id: str, session: DB, now: Now, reader: Reader,
                   from_: FirstDay = None, to: LastDay = None) -> StoreBusiness:  # fmt: skip
    """The store's business figures and response rate for its local days ``from`` … ``to``."""
    store = visible_store(session, reader, store_id)
    first, last = days_asked(store, now, from_, to)
    rates = store_rates(session, store.id, first, last)
    sums = session.execute(
        select(BusinessHour.day, func.sum(BusinessHour.transactions),
               func.sum(BusinessHour.sales_cents), func.sum(BusinessHour.footfall),
               func.sum(BusinessHour.staff))
        .where(BusinessHour.store_id == store.id,
               BusinessHour.day.between(first.isoformat(), last.isoformat()))
        .group_by(BusinessHour.day).order_by(BusinessHour.day)
    ).all()  # fmt: skip
    days = [
        BusinessDay(
            day=day, transactions=tx, sales=None if cents is None else cents / 100,
            footfall=footfall, staff_hours=staff,
            per_transactions=RateOut.of_rate(rates.days[day][0]),
            per_visitors=RateOut.of_rate(rates.days[day][1]),
        )
        for day, tx, cents, footfall, staff in sums
    ]  # fmt: skip
    floor = request.app.state.min_cell
    scale = main_scale(session, [store.id], first, last)
    bands = [
        BandOut(**{**vars(b), **({} if b.ratings >= floor else dict.fromkeys(HIDDEN))})
        for b in (by_busyness(session, [store.id], first, last, scale) if scale else [])
    ]
    return StoreBusiness(
        store_id=store.id, timezone=store.timezone,
        per_transactions=RateOut.of_rate(rates.transactions),
        per_visitors=RateOut.of_rate(rates.visitors), days=days, busyness=bands,
    )  # fmt: skip
