"""The one bulk statement of ingest: insert new ratings, skip known ones, say which went in.

``INSERT … ON CONFLICT DO NOTHING … RETURNING id``, written per database so that a batch
of 1000 costs one round trip and little Python: on PostgreSQL the rows travel as one JSON
text, written by pydantic-core in Rust and unpacked by the server's ``json_to_recordset``
(a 17 000-placeholder statement would spend more time being parsed by the driver than
being executed, and one array per column spent two thirds of the batch in psycopg's
array quoting); on SQLite as one multi-row ``VALUES`` (SQLite 3.35+ has RETURNING, and
1000 × 17 parameters is within its limit of 32 766).
"""

from __future__ import annotations

from functools import cache
from itertools import chain
from operator import itemgetter

from pydantic_core import to_json
from sqlalchemy import Connection

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


def insert_new(conn: Connection, rows: list[dict]) -> set[str]:
    """Insert *rows* (dicts with every column) that are not there yet; their ids."""
    inserted: set[str] = set()
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i : i + CHUNK]
        if conn.dialect.name == "postgresql":
            result = conn.exec_driver_sql(_postgres_sql(), (to_json(chunk).decode(),))
        else:
            params = tuple(chain.from_iterable(map(VALUES, chunk)))
            result = conn.exec_driver_sql(_sqlite_sql(len(chunk)), params)
        inserted.update(result.scalars().all())
    return inserted


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
