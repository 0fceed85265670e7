"""``GET /api/v1/export.csv`` and ``GET /api/v1/export.xlsx``: every rating of the chosen
stores and local days, with the store's name and local time, whether it counts and whether
its store-day is complete (:mod:`hq.insight.exports`); ``GET /api/v1/export-business.csv``:
the business figures per store and hour with the hour's ratings and response rate
(:mod:`hq.insight.exports.business`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import IO, Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from hq.api import errors
from hq.core.errors import ApiError, UnknownStoreError
from hq.ingest.wire import Day
from hq.insight.exports import xlsx_file
from hq.insight.exports.business import business_chunks, prepare_business
from hq.insight.exports.csv_file import csv_chunks
from hq.insight.exports.rows import Export, prepare
from hq.insight.exports.streamed import ExportStream
from hq.people.access import Access
from hq.web.deps import DB, Now, Reader

router = APIRouter(prefix="/api/v1", tags=["figures"])
RAW = (
    "single ratings are exported for analysts and admins only; a manager reads the figures"
    " of their stores on the dashboard or through /api/v1/stores/{id}/daily"
)

From = Annotated[
    Day | None, Query(alias="from", description="first day, in each store's time zone")
]
To = Annotated[Day | None, Query(description="last day, included")]
StoreId = Annotated[str | None, Query(max_length=64, description="one store's ratings only")]
Language = Annotated[
    Literal["en", "fi", "sv"], Query(description="the language of the reason labels")
]


def _export(
    session: Session,
    reader: Access,
    now: datetime,
    store: str | None,
    first: date | None,
    last: date | None,
    lang: str,
) -> Export:
    if not reader.reads_raw:
        raise ApiError(403, "raw_ratings", RAW)
    if first and last and first > last:
        raise ApiError(400, "bad_range", f"from {first} is after to {last}")
    try:
        return prepare(session, now, store, first, last, lang, reader.stores)
    except UnknownStoreError as e:
        raise ApiError(404, "unknown_store", str(e)) from None


def _attachment(store: str | None, suffix: str) -> dict[str, str]:
    # A store id is letters, digits, '.', '_' and '-' (add-store checks it), safe in a header.
    return {"Content-Disposition": f'attachment; filename="hymio-{store or "all"}.{suffix}"'}


@router.get(
    "/export.csv",
    response_class=StreamingResponse,
    responses={**errors(400, 401, 403, 404, 422, 503), 200: {"content": {"text/csv": {}}}},
)
def export_csv(
    request: Request,
    session: DB,
    now: Now,
    reader: Reader,
    from_: From = None,
    to: To = None,
    store: StoreId = None,
    lang: Language = "en",
) -> StreamingResponse:
    """Ratings by store and time, streamed: local days, time and offset, UTC time, whether
    each counts and whether its store-day is complete. A few exports at once per HQ
    process; one more is a 503 with Retry-After."""
    done = request.app.state.exports.enter()
    try:
        export = _export(session, reader, now, store, from_, to, lang)
        session.close()  # its connection back to the API's pool before the body is sent
        return ExportStream(
            csv_chunks(request.app.state.export_sessions, export),
            done,
            media_type="text/csv; charset=utf-8",
            headers=_attachment(store, "csv"),
        )
    except BaseException:
        done()
        raise


@router.get(
    "/export.xlsx",
    response_class=StreamingResponse,
    responses={
        **errors(400, 401, 403, 404, 422, 503),
        200: {"content": {xlsx_file.MEDIA_TYPE: {}}},
    },
)
def export_xlsx(
    request: Request,
    session: DB,
    now: Now,
    reader: Reader,
    from_: From = None,
    to: To = None,
    store: StoreId = None,
    lang: Language = "en",
) -> StreamingResponse:
    """The same ratings as an Excel workbook (sheet "Ratings", typed cells), with a sheet
    "Totals" per store, local day and scale; at most one Excel sheet of ratings (422)."""
    done = request.app.state.exports.enter()
    try:
        export = _export(session, reader, now, store, from_, to, lang)
        session.close()  # the workbook is built on the exports' own pool
        with request.app.state.export_sessions() as reading:
            handle, size = _built(reading, export)
        return ExportStream(
            xlsx_file.file_chunks(handle),
            done,
            media_type=xlsx_file.MEDIA_TYPE,
            headers={**_attachment(store, "xlsx"), "Content-Length": str(size)},
        )
    except BaseException:
        done()
        raise


def _built(session: Session, export: Export) -> tuple[IO[bytes], int]:
    """The workbook of *export*, opened, and its size; 422 when it cannot fit a sheet."""
    # A cheap count first, so an export that cannot fit is refused before it is built.
    counted = export.count(session)
    if counted > xlsx_file.MAX_ROWS:
        raise ApiError(422, "too_many_rows", xlsx_file.too_many(counted))
    try:
        return xlsx_file.open_built(session, export)
    except xlsx_file.TooManyRowsError as e:
        raise ApiError(422, "too_many_rows", str(e)) from None


@router.get(
    "/export-business.csv",
    response_class=StreamingResponse,
    responses={**errors(400, 401, 404, 422, 503), 200: {"content": {"text/csv": {}}}},
    tags=["business"],
)
def export_business_csv(
    request: Request,
    session: DB,
    reader: Reader,
    from_: From = None,
    to: To = None,
    store: StoreId = None,
) -> StreamingResponse:
    """The business figures per store and local hour (transactions, sales, footfall,
    staff) with the hour's counted ratings and the response rate (ratings per 100
    transactions and per 100 visitors), streamed; the reader's stores only. For a reader
    who may not export single ratings, an hour with fewer ratings than the privacy floor
    (``HYMIO_HQ_MIN_CELL``) shows neither its ratings nor its rate."""
    if from_ and to and from_ > to:
        raise ApiError(400, "bad_range", f"from {from_} is after to {to}")
    done = request.app.state.exports.enter()
    try:
        floor = 0 if reader.reads_raw else request.app.state.min_cell
        try:
            export = prepare_business(session, store, from_, to, reader.stores, floor)
        except UnknownStoreError as e:
            raise ApiError(404, "unknown_store", str(e)) from None
        session.close()  # its connection back to the API's pool before the body is sent
        headers = {"Content-Disposition":
                   f'attachment; filename="hymio-business-{store or "all"}.csv"'}  # fmt: skip
        return ExportStream(
            business_chunks(request.app.state.export_sessions, export),
            done,
            media_type="text/csv; charset=utf-8",
            headers=headers,
        )
    except BaseException:
        done()
        raise
