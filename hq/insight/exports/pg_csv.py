"""The CSV export on PostgreSQL, written by the server: ``COPY (SELECT …) TO STDOUT``.

The same bytes as :mod:`hq.insight.exports.csv_file` writes row by row in Python (a property test
compares them), at the speed of the database. The stores go in their order (by id), each
read along the ``(store_id, recorded_at)`` index in a ``COPY`` per span of one UTC offset
(:mod:`hq.insight.exports.offsets`; a month has one, or two across a DST change): the local
time is the stored UTC text to the second plus the span's offset as an ``interval``, and
the offset's text is a parameter, which is far cheaper than converting each instant in the
zone and formatting it with ``to_char``. The store's name, its reason labels (worked out in
Python for the device and reason pairs the kept hour counts hold) and its incomplete days
go in as parameters, already guarded against formulas in Python: the labels and the days
are ``jsonb`` objects looked up per row (no join), so the rows come in the index's order
and only ratings of one instant are sorted by id (an incremental sort, not a sort of every
finished row). PostgreSQL sends a message per row and ends lines with ``\\n`` where the
csv module writes ``\\r\\n``: the rows are gathered into pieces of :data:`BLOCK` bytes, and
the line ends turned into ``\\r\\n`` (at C speed when no cell of the piece holds a line
end, as is nearly always so).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import timedelta
from functools import cache

from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.insight.exports.columns import COLUMNS, FORMULA_START, HEADER, cell
from hq.insight.exports.offsets import offset_spans, utc
from hq.insight.exports.rows import Export, StoreInfo, offset_text
from hq.tables.models import HourCount
from hq.tables.surveys import Comment

BLOCK = 256 * 1024  # bytes of CSV written to the answer at a time


STARTS = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)


def _text(sql: str) -> str:
    """A text cell: empty for NULL or "", a leading ' before what a spreadsheet would run."""
    return f"NULLIF(CASE WHEN left({sql}, 1) IN ({STARTS}) THEN '''' || {sql} ELSE {sql} END, '')"


def _yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 'yes' ELSE 'no' END"


# Ids, keys and the fixed words start with a letter or digit (the wire format's and
# add-store's patterns), so only free text is guarded: the store's name, the labels, and
# why a day may lack ratings (in Python, once per store, label and day).
CELLS = {
    "rating_id": "r.id",
    "store_id": "r.store_id",
    "store_name": "%(name)s",
    "local_date": "left(r.local_wall, 10)",
    "local_time": "r.local_wall",
    "utc_offset": "%(offset)s",
    "utc_time": "r.recorded_at",
    "device_id": "r.device_id",
    "survey_id": "r.survey_id",
    "question_id": "r.question_id",
    "config_version": "r.config_version",
    "scale": "r.scale",
    "score": "r.score",
    "source": "r.source",
    "reason": "r.reason",
    "reason_label": "NULLIF(%(labels)s::jsonb ->> (r.device_id || chr(31) || r.reason), '')",
    "flag": "r.flag",
    "time_suspect": _yes("r.time_suspect"),
    "counted": _yes("r.flag IS NULL AND NOT r.time_suspect"),
    "day_complete": _yes("NOT %(incomplete)s::jsonb ? left(r.local_wall, 10)"),
    "day_incomplete_reason": "NULLIF(%(incomplete)s::jsonb ->> left(r.local_wall, 10), '')",
    "received_utc": "r.received_at",
    "comment": _text("r.comment_text"),
    "comment_topics": "(SELECT string_agg(k, ';')"
    " FROM json_array_elements_text(r.comment_topics) AS k)",
}
# A store none of whose ratings has words (every store without a web link) is read
# without the join: NULL cells, and the rows keep the index's order.
NO_COMMENT = {"comment": "NULL", "comment_topics": "NULL"}


@cache
def _sql(lower: bool, upper: bool, comments: bool) -> str:
    cell_of = CELLS if comments else {**CELLS, **NO_COMMENT}
    cells = ", ".join(f'{cell_of[c.name]} AS "{c.name}"' for c in COLUMNS)
    where = ["r.store_id = %(store)s"]
    if lower:
        where.append("r.recorded_at >= %(start)s")
    if upper:
        where.append("r.recorded_at < %(end)s")
    words = ", c.text AS comment_text, c.topics AS comment_topics" if comments else ""
    return (
        f"COPY (SELECT {cells}"  # noqa: S608 -- fixed names; values are parameters
        # the wall clock, once a row: the stored UTC text (to the second) plus the span's
        # offset, in a subquery kept whole (OFFSET 0) so its rows come sorted as they are
        f" FROM (SELECT r.*, (left(r.recorded_at, 19)::timestamp + %(shift)s::interval)::text"
        f" AS local_wall{words} FROM ratings r"
        + (" LEFT JOIN comments c ON c.rating_id = r.id" if comments else "")
        + f" WHERE {' AND '.join(where)}"
        " ORDER BY r.recorded_at, r.id OFFSET 0) AS r"
        " ORDER BY r.recorded_at, r.id) TO STDOUT WITH (FORMAT csv)"
    )


def _labels(session: Session, export: Export) -> dict[str, dict[str, str]]:
    """Per store, the label of each device and reason the kept counts hold for it, as a
    cell (guarded), by ``device_id`` and ``reason`` joined with a unit separator."""
    t = HourCount
    query = select(t.store_id, t.device_id, t.reason).where(t.reason != "").distinct()
    if export.store_id is not None:
        query = query.where(t.store_id == export.store_id)
    out: dict[str, dict[str, str]] = {}
    for s, d, k in session.execute(query):
        if s in export.stores:
            out.setdefault(s, {})[f"{d}\x1f{k}"] = cell(export.labels(s, d, k))
    return out


def _worded(session: Session, export: Export) -> set[str]:
    """The stores of *export* with at least one comment (an index probe each)."""
    ids = [export.store_id] if export.store_id is not None else list(export.stores)
    found = select(Comment.store_id).where(Comment.store_id.in_(ids)).distinct()
    return set(session.scalars(found)) if ids else set()


def pg_csv_chunks(session: Session, export: Export) -> Iterator[bytes]:
    """The CSV bytes of *export* as PostgreSQL writes them, with CSV's ``\r\n``: a
    ``COPY`` per store and span of one offset, in the order of the Python export (by id,
    then time), each read along the ``(store_id, recorded_at)`` index.

    Closing the generator mid-COPY (the client left) cancels the ``COPY`` on the server and
    reads what it had sent already (psycopg's ``Copy.__exit__``), here and now: the
    connection is left fit for the pool's rollback, never stuck in COPY."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(HEADER)
    yield header.getvalue().encode()
    labels = _labels(session, export)
    worded = _worded(session, export)
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor:
        cursor.execute("SELECT set_config('DateStyle', 'ISO, YMD', true)")  # timestamp::text
        for store in (export.stores[k] for k in sorted(export.stores)):
            if store.start and store.end:  # a range of days: its bounds, no query
                reach: tuple | None = (store.start, store.end)
            else:
                reach = cursor.execute(*_reach(store)).fetchone()
            if reach is None or reach[0] is None:
                continue  # no ratings in its bounds
            for lower, upper, offset in offset_spans(store.timezone, utc(reach[0]), utc(reach[1])):
                sql, params = _copy(
                    store, labels.get(store.id, {}), lower, upper, offset, store.id in worded
                )
                # The COPY's block is here, around the yield, not in an inner generator
                # that would be closed only when the garbage collector gets to it.
                with cursor.copy(sql, params) as copy:
                    yield from _pieces(copy)


def _reach(store: StoreInfo) -> tuple[str, dict]:
    """The first and last ``recorded_at`` of *store* within its bounds, for an export
    open at one end or both (two index probes)."""
    where = ["store_id = %(store)s"]
    if store.start:
        where.append("recorded_at >= %(start)s")
    if store.end:
        where.append("recorded_at < %(end)s")
    sql = "SELECT min(recorded_at), max(recorded_at) FROM ratings WHERE " + " AND ".join(where)  # noqa: S608 -- fixed names
    return sql, {"store": store.id, "start": store.start, "end": store.end}


def _copy(
    store: StoreInfo,
    labels: dict[str, str],
    lower: str | None,
    upper: str | None,
    offset: timedelta,
    comments: bool = False,
) -> tuple[str, dict]:
    """The ``COPY`` of the rows of *store* from *lower* to *upper* (default its bounds),
    a span with one UTC *offset*, and its parameters."""
    start, end = lower or store.start, upper or store.end
    params = {
        "store": store.id,
        "name": cell(store.name) or None,
        "start": start,
        "end": end,
        "shift": f"{int(offset.total_seconds())} seconds",
        "offset": offset_text(offset),
        "labels": to_json(labels).decode(),
        "incomplete": to_json(
            {d.isoformat(): cell(w) for d, w in store.incomplete.items()}
        ).decode(),
    }
    return _sql(bool(start), bool(end), comments), params


def _pieces(rows: Iterable[bytes], size: int | None = None) -> Iterator[bytes]:
    """*rows* of a ``COPY`` (a message each, a whole row ending ``\\n``) in pieces of about
    *size* (default :data:`BLOCK`) bytes with CSV's ``\\r\\n``: a plain replace when the
    piece has as many ``\\n`` as rows (no cell holds a line end), else :func:`crlf`. A
    piece holds whole rows, so it never ends inside a quoted cell."""
    size = size or BLOCK
    pending: list[bytes] = []
    held = 0
    for row in rows:
        pending.append(row)
        held += len(row)
        if held >= size:
            yield _ended(pending)
            pending, held = [], 0
    if pending:
        yield _ended(pending)


def _ended(rows: list[bytes]) -> bytes:
    piece = b"".join(rows)
    if piece.count(b"\n") == len(rows):
        return piece.replace(b"\n", b"\r\n")
    return b"".join(crlf([piece]))


def _gathered(blocks: Iterable[bytes], size: int | None = None) -> Iterator[bytes]:
    """*blocks* (PostgreSQL sends a message per row) joined into pieces of about *size*
    (default :data:`BLOCK`) bytes, so the answer is written a piece at a time, not a row
    at a time."""
    size = size or BLOCK
    pending: list[bytes] = []
    held = 0
    for block in blocks:
        pending.append(block)
        held += len(block)
        if held >= size:
            yield b"".join(pending)
            pending, held = [], 0
    if pending:
        yield b"".join(pending)


def crlf(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """*blocks* of CSV with every ``\\n`` outside a quoted cell written ``\\r\\n`` (a quote
    opens or closes a cell, and a doubled one inside it does both)."""
    inside = False
    for block in blocks:
        parts = block.split(b'"')
        for i, part in enumerate(parts):
            if i:
                inside = not inside
            if not inside and b"\n" in part:
                parts[i] = part.replace(b"\n", b"\r\n")
        yield b'"'.join(parts)
