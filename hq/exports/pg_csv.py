"""The CSV export on PostgreSQL, written by the server: ``COPY (SELECT …) TO STDOUT``.

The same bytes as :mod:`hq.exports.csv_file` writes row by row in Python (a test compares
them), at the speed of the database: the local date, time and offset come from
``AT TIME ZONE`` with the store's zone; the store's name, the reason labels (worked out
in Python for the store, device and reason pairs the kept hour counts hold) and the
incomplete store-days go in as JSON parameters; text cells get the same guard against
formulas. PostgreSQL ends lines with ``\\n`` where the csv module writes ``\\r\\n``; the
line ends outside quoted cells are turned into ``\\r\\n`` on the way out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from pydantic_core import to_json
from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.exports.columns import COLUMNS
from hq.exports.csv_file import FORMULA_START
from hq.exports.rows import Export
from hq.models import HourCount

STARTS = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)


def _text(sql: str) -> str:
    """A text cell: empty for NULL or "", a leading ' before what a spreadsheet would run."""
    return f"NULLIF(CASE WHEN left({sql}, 1) IN ({STARTS}) THEN '''' || {sql} ELSE {sql} END, '')"


def _yes(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 'yes' ELSE 'no' END"


OFFSET = (
    "CASE WHEN o.s < 0 THEN '-' ELSE '+' END || lpad((abs(o.s) / 3600)::text, 2, '0')"
    " || ':' || lpad((abs(o.s) %% 3600 / 60)::text, 2, '0')"
    " || CASE WHEN abs(o.s) %% 60 <> 0 THEN ':' || lpad((abs(o.s) %% 60)::text, 2, '0')"
    " ELSE '' END"
)
CELLS = {
    "rating_id": _text("r.id"),
    "store_id": _text("r.store_id"),
    "store_name": _text("s.name"),
    "local_date": "to_char(l.t, 'YYYY-MM-DD')",
    "local_time": "to_char(l.t, 'YYYY-MM-DD HH24:MI:SS')",
    "utc_offset": OFFSET,
    "utc_time": "r.recorded_at",
    "device_id": _text("r.device_id"),
    "survey_id": _text("r.survey_id"),
    "question_id": _text("r.question_id"),
    "config_version": "r.config_version",
    "scale": _text("r.scale"),
    "score": "r.score",
    "source": _text("r.source"),
    "reason": _text("r.reason"),
    "reason_label": _text("lab.label"),
    "flag": _text("r.flag"),
    "time_suspect": _yes("r.time_suspect"),
    "counted": _yes("r.flag IS NULL AND NOT r.time_suspect"),
    "day_complete": _yes("inc.why IS NULL"),
    "day_incomplete_reason": _text("inc.why"),
    "received_utc": "r.received_at",
}


@cache
def _sql(one_store: bool, lower: bool, upper: bool) -> str:
    cells = ", ".join(f'{CELLS[c.name]} AS "{c.name}"' for c in COLUMNS)
    where = [
        "(s.start IS NULL OR r.recorded_at >= s.start)",
        '(s."end" IS NULL OR r.recorded_at < s."end")',
    ]
    if one_store:
        where.append("r.store_id = %(store)s")
    if lower:
        where.append("r.recorded_at >= %(lower)s")
    if upper:
        where.append("r.recorded_at < %(upper)s")
    return (
        f"COPY (SELECT {cells} FROM ratings r"  # noqa: S608 -- fixed names; values are parameters
        " JOIN json_to_recordset(%(stores)s::json)"
        ' AS s(id text, name text, tz text, start text, "end" text) ON r.store_id = s.id'
        " CROSS JOIN LATERAL (SELECT r.recorded_at::timestamptz AS u) AS z"
        " CROSS JOIN LATERAL (SELECT z.u AT TIME ZONE s.tz AS t) AS l"
        " CROSS JOIN LATERAL (SELECT EXTRACT(EPOCH FROM l.t - (z.u AT TIME ZONE 'UTC'))::int"
        " AS s) AS o"
        " LEFT JOIN json_to_recordset(%(labels)s::json)"
        " AS lab(store_id text, device_id text, key text, label text)"
        " ON lab.store_id = r.store_id AND lab.device_id = r.device_id AND lab.key = r.reason"
        " LEFT JOIN json_to_recordset(%(incomplete)s::json) AS inc(store_id text, day text,"
        " why text) ON inc.store_id = r.store_id AND inc.day = to_char(l.t, 'YYYY-MM-DD')"
        f" WHERE {' AND '.join(where)}"
        " ORDER BY r.store_id, r.recorded_at, r.id) TO STDOUT WITH (FORMAT csv, HEADER true)"
    )


def _labels(session: Session, export: Export) -> list[dict]:
    """The label of each store, device and reason the kept counts hold for the export."""
    t = HourCount
    query = select(t.store_id, t.device_id, t.reason).where(t.reason != "").distinct()
    if export.store_id is not None:
        query = query.where(t.store_id == export.store_id)
    return [
        {"store_id": s, "device_id": d, "key": k, "label": export.labels(s, d, k)}
        for s, d, k in session.execute(query)
        if s in export.stores
    ]


def pg_csv_chunks(session: Session, export: Export) -> Iterator[bytes]:
    """The CSV bytes of *export* as PostgreSQL writes them, with CSV's ``\\r\\n``."""
    stores = [
        {"id": s.id, "name": s.name, "tz": s.timezone, "start": s.start, "end": s.end}
        for s in export.stores.values()
    ]
    incomplete = [
        {"store_id": s.id, "day": day.isoformat(), "why": why}
        for s in export.stores.values()
        for day, why in s.incomplete.items()
    ]
    starts = [s["start"] for s in stores if s["start"]]
    ends = [s["end"] for s in stores if s["end"]]
    params = {
        "stores": to_json(stores).decode(),
        "labels": to_json(_labels(session, export)).decode(),
        "incomplete": to_json(incomplete).decode(),
        "store": export.store_id,
        "lower": min(starts) if starts else None,
        "upper": max(ends) if ends else None,
    }
    sql = _sql(export.store_id is not None, bool(starts), bool(ends))
    raw = session.connection().connection.dbapi_connection
    with raw.cursor() as cursor, cursor.copy(sql, params) as copy:
        yield from crlf(bytes(block) for block in copy)


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
