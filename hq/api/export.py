"""``GET /api/v1/export.csv``: every rating, streamed as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select

from hq.api import errors
from hq.deps import DB, Reader
from hq.errors import ApiError
from hq.models import Rating, Store
from hq.wire import Day
from kiosk.localtime import day_bounds, to_utc_text

COLUMNS = [c.name for c in Rating.__table__.columns]
router = APIRouter(prefix="/api/v1", tags=["figures"])


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={**errors(400, 401, 404, 422), 200: {"content": {"text/csv": {}}}},
)
def export_csv(
    request: Request,
    session: DB,
    _reader: Reader,
    from_: Annotated[
        Day | None, Query(alias="from", description="first day (the store's, else UTC)")
    ] = None,
    to: Annotated[Day | None, Query(description="last day, included")] = None,
    store: Annotated[
        str | None, Query(max_length=64, description="one store's ratings only")
    ] = None,
) -> StreamingResponse:
    """Ratings ordered by time; days are the store's local ones when *store* is given."""
    query = select(*Rating.__table__.columns).order_by(Rating.recorded_at, Rating.id)
    tz = "UTC"
    if store is not None:
        row = session.get(Store, store)
        if row is None:
            raise ApiError(404, "unknown_store", f"no store {store!r}")
        tz = row.timezone
        query = query.where(Rating.store_id == store)
    if from_ and to and from_ > to:
        raise ApiError(400, "bad_range", f"from {from_} is after to {to}")
    if from_:
        query = query.where(Rating.recorded_at >= to_utc_text(day_bounds(from_, tz)[0]))
    if to:
        query = query.where(Rating.recorded_at < to_utc_text(day_bounds(to, tz)[1]))
    name = f"hymio-{store or 'all'}.csv"
    sessions = request.app.state.sessions
    return StreamingResponse(
        _rows(sessions, query),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _rows(sessions, query) -> Iterator[str]:
    # Its own session: the request's one is closed before the body is streamed.
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    with sessions() as session:
        result = session.execute(query.execution_options(yield_per=2000))
        for chunk in result.partitions():
            for row in chunk:
                writer.writerow(row)
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
