"""The CSV export on PostgreSQL, written by the server: ``COPY (SELECT …) TO STDOUT``.

The same bytes as :mod:`hq.insight.exports.csv_file` writes row by row in Python (a property test
compares them), at the speed of the database. The stores go in their order (by id), a
``COPY`` each along the ``(store_id, recorded_at)`` index, with the transaction's
``TimeZone`` set to the store's, so the local date, time and offset are ``to_char`` of
the stored instant (no per-row zone conversion); the store's name, its reason labels
(worked out in Python for the device and reason pairs the kept hour counts hold) and its
incomplete days go in as parameters; text cells get the same guard against formulas.
PostgreSQL sends a message per row and ends lines with ``\\n`` where the csv module
writes ``\\r\\n``: the rows are gathered into pieces of :data:`BLOCK` bytes, and the line
ends outside quoted cells turned into ``\\r\\n``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from functools import cache

from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.insight.exports.columns import COLUMNS, FORMULA_START, HEADER, cell
from hq.insight.exports.rows import Export, StoreInfo
from hq.tables.models import HourCount

BLOCK = 256 * 1024  # bytes of CSV written to the answer at a time
STARTS = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)


def _text(sql: str) -> str:
    """A text cell: empty for NULL or "", a leading ' before what a spreadsheet would run."""
    return f"NULLIF(CASE WHEN left({sql}, 1) IN ({STARTS}) THEN '''' || {sql} ELSE {sql} END, '')"


def _yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 'yes' ELSE 'no' END"


# The offset as hq.insight.exports.rows.offset_text writes it: +03:00, and seconds if any.
OFFSET = (
    "to_char(u.t, 'TZH:TZM') || CASE WHEN EXTRACT(TIMEZONE FROM u.t)::int %% 60 <> 0"
    " THEN ':' || lpad((abs(EXTRACT(TIMEZONE FROM u.t)::int) %% 60)::text, 2, '0')"
    " ELSE '' END"
)
# Ids, keys and the fixed words start with a letter or digit (the wire format's and
# add-store's patterns), so only free text is guarded: the store's name (in Python, once
# per store), the labels, and why a day may lack ratings.
CELLS = {
    "rating_id": "r.id",
    "store_id": "r.store_id",
    "store_name": "%(name)s",
    "local_date": "to_char(u.t, 'YYYY-MM-DD')",
    "local_time": "to_char(u.t, 'YYYY-MM-DD HH24:MI:SS')",
    "utc_offset": OFFSET,
    "utc_time": "r.recorded_at",
    "device_id": "r.device_id",
    "survey_id": "r.survey_id",
    "question_id": "r.question_id",
    "config_version": "r.config_version",
    "scale": "r.scale",
    "score": "r.score",
    "source": "r.source",
    "reason": "r.reason",
    "reason_label": _text("lab.label"),
    "flag": "r.flag",
    "time_suspect": _yes("r.time_suspect"),
    "counted": _yes("r.flag IS NULL AND NOT r.time_suspect"),
    "day_complete": _yes("inc.why IS NULL"),
    "day_incomplete_reason": _text("inc.why"),
    "received_utc": "r.received_at",
    "comment": _text("c.text"),
    "comment_topics": "(SELECT string_agg(k, ';') FROM json_array_elements_text(c.topics) AS k)",
}


@cache
def _sql(lower: bool, upper: bool) -> str:
    cells = ", ".join(f'{CELLS[c.name]} AS "{c.name}"' for c in COLUMNS)
    where = ["r.store_id = %(store)s"]
    if lower:
        where.append("r.recorded_at >= %(start)s")
    if upper:
        where.append("r.recorded_at < %(end)s")
    return (
        f"COPY (SELECT {cells}"  # noqa: S608 -- fixed names; values are parameters
        " FROM ratings r"
        " LEFT JOIN comments c ON c.rating_id = r.id"
        " CROSS JOIN LATERAL (SELECT r.recorded_at::timestamptz AS t OFFSET 0) AS u"
        " LEFT JOIN json_to_recordset(%(labels)s::json)"
        " AS lab(device_id text, key text, label text)"
        " ON lab.device_id = r.device_id AND lab.key = r.reason"
        " LEFT JOIN json_to_recordset(%(incomplete)s::json) AS inc(day text, why text)"
        " ON inc.day = to_char(u.t, 'YYYY-MM-DD')"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY r.recorded_at, r.id) TO STDOUT WITH (FORMAT csv)"
    )


def _labels(session: Session, export: Export) -> dict[str, list[dict]]:
    """Per store, the label of each device and reason the kept counts hold for it."""
    t = HourCount
    query = select(t.store_id, t.device_id, t.reason).where(t.reason != "").distinct()
    if export.store_id is not None:
        query = query.where(t.store_id == export.store_id)
    out: dict[str, list[dict]] = {}
    for s, d, k in session.execute(query):
        if s in export.stores:
            out.setdefault(s, []).append(
                {"device_id": d, "key": k, "label": export.labels(s, d, k)}
            )
    return out


def pg_csv_chunks(session: Session, export: Export) -> Iterator[bytes]:
    """The CSV bytes of *export* as PostgreSQL writes them, with CSV's ``\r\n``: a
    ``COPY`` per store, in the order of the Python export (by id), each read along the
    ``(store_id, recorded_at)`` index.

    Closing the generator mid-COPY (the client left) cancels the ``COPY`` on the server and
    reads what it had sent already (psycopg's ``Copy.__exit__``), here and now: the
    connection is left fit for the pool's rollback, never stuck in COPY."""
    header = io.StringIO()
    csv.writer(header, lineterminator="\r\n").writerow(HEADER)
    yield header.getvalue().encode()
    labels = _labels(session, export)
    raw = session.connection().connection.dbapi_connection
    timezone = None
    with raw.cursor() as cursor:
        for store in (export.stores[k] for k in sorted(export.stores)):
            if store.timezone != timezone:
                cursor.execute("SELECT set_config('TimeZone', %s, true)", (store.timezone,))
                timezone = store.timezone
            sql, params = _copy(store, labels.get(store.id, []))
            # The COPY's block is here, around the yield, not in an inner generator that
            # would be closed only when the garbage collector gets to it.
            with cursor.copy(sql, params) as copy:
                yield from crlf(_gathered(bytes(block) for block in copy))


def _copy(store: StoreInfo, labels: list[dict]) -> tuple[str, dict]:
    """The ``COPY`` of the rows of *store* (the session in its zone), and its parameters."""
    params = {
        "store": store.id,
        "name": cell(store.name) or None,
        "start": store.start,
        "end": store.end,
        "labels": to_json(labels).decode(),
        "incomplete": to_json(
            [{"day": d.isoformat(), "why": w} for d, w in store.incomplete.items()]
        ).decode(),
    }
    return _sql(bool(store.start), bool(store.end)), params


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
