"""The one bulk statement of ingest: insert new ratings, skip known ones, say which went in.

``INSERT … ON CONFLICT DO NOTHING … RETURNING id``, written per database so that a batch
of 1000 costs one round trip and little Python: on PostgreSQL the rows travel as one JSON
text, written by pydantic-core in Rust and unpacked by the server's ``json_to_recordset``
(a 17 000-placeholder statement would spend more time being parsed by the driver than
being executed, and one array per column spent two thirds of the batch in psycopg's
array quoting); on SQLite as one multi-row ``VALUES`` (SQLite 3.35+ has RETURNING, and
1000 × 17 parameters is within its limit of 32 766).

A large batch on PostgreSQL (a kiosk catching up after an outage) goes in by ``COPY``
instead, under a savepoint: a third less time than the statement above for 1 000
ratings. When the copy meets a unique index (a rating HQ has, sent again because the
answer was lost; a ``seq`` used before under another id; the same batch posted at the
same moment by a retry), the savepoint is undone and the statement above says which rows
went in, as for a small batch. Those are rare, so the ids are not looked up first.

Sending a batch's rows takes a sixth of the time the database then spends on them (its
indexes and foreign keys: 2 ms against 10 ms for 1 000 ratings), so the caller's work
that needs no session (the batch's counts) is done in that wait: *meanwhile*.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from itertools import chain
from operator import itemgetter

from pydantic_core import to_json
from sqlalchemy.orm import Session

from hq.tables.database import copy_in
from hq.tables.models import Rating

COLUMNS = tuple(c.name for c in Rating.__table__.columns)
VALUES = itemgetter(*COLUMNS)  # a row's values in COLUMNS' order
CHUNK = 1000
PG_TYPES = {
    "seq": "bigint",
    "config_version": "integer",
    "score": "integer",
    "clock_synced": "boolean",
    "mono_ns": "bigint",
    "time_suspect": "boolean",
}


# From this many rows a batch on PostgreSQL goes in by COPY: below it the savepoint's two
# round trips cost what the copy saves (a batch and its commit, medians of 30: 20 rows
# 1.0 ms either way; 50 rows 1.7 ms by COPY against 2.0; 200 rows 4.6 against 6.4 ms).
COPY_FROM = 50


def insert_new(
    session: Session, rows: list[dict], meanwhile: Callable[[], None] | None = None
) -> set[str]:
    """Insert *rows* (dicts with every column) that are not there yet; their ids.

    *meanwhile* is called once while the database takes a ``COPY`` of all the rows, if
    they go in that way; it must not use the session, and what it makes holds only if
    every row went in."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        if len(rows) >= COPY_FROM:
            return _copy_new(session, rows, meanwhile)
        return insert_statement(session, rows)
    inserted: set[str] = set()
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        params = tuple(chain.from_iterable(map(VALUES, chunk)))
        inserted.update(conn.exec_driver_sql(_sqlite_sql(len(chunk)), params).scalars().all())
    return inserted


def _copy_new(session: Session, rows: list[dict], meanwhile: Callable[[], None] | None) -> set[str]:
    """*rows* copied in under a savepoint, their ids; when one is known (or its seq is),
    the copy is undone and the statement says which went in."""

    def fill(copy) -> None:
        for row in rows:
            copy.write_row(VALUES(row))
        if meanwhile is not None:
            meanwhile()  # the database is still at work on the rows sent

    if copy_in(session, _copy_sql(), fill):
        return {row["id"] for row in rows}
    return insert_statement(session, rows)


def insert_statement(session: Session, rows: list[dict]) -> set[str]:
    """*rows* through ``INSERT … ON CONFLICT DO NOTHING`` on PostgreSQL; their ids."""
    conn = session.connection()
    inserted: set[str] = set()
    for i in range(0, len(rows), CHUNK):
        chunk = to_json(rows[i : i + CHUNK]).decode()
        inserted.update(conn.exec_driver_sql(_postgres_sql(), (chunk,)).scalars().all())
    return inserted


@cache
def _copy_sql() -> str:
    return f"COPY ratings ({', '.join(COLUMNS)}) FROM STDIN"


@cache
def _postgres_sql() -> str:
    record = ", ".join(f"{c} {PG_TYPES.get(c, 'text')}" for c in COLUMNS)
    return (
        f"INSERT INTO ratings ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)}"  # noqa: S608 -- fixed column names
        f" FROM json_to_recordset(%s::json) AS r({record})"
        " ON CONFLICT DO NOTHING RETURNING id"
    )


@cache
def _sqlite_sql(n: int) -> str:
    one = "(" + ", ".join("?" * len(COLUMNS)) + ")"
    return (
        f"INSERT INTO ratings ({', '.join(COLUMNS)}) VALUES {', '.join([one] * n)}"  # noqa: S608 -- fixed column names
        " ON CONFLICT DO NOTHING RETURNING id"
    )
