"""Business figures written all or nothing: the file is read and checked first
(:mod:`.layout`), and only a file without a single problem is written, in one
transaction, as an upsert on store and hour (importing the same file twice changes
nothing; a later file replaces the hours it gives).

On PostgreSQL the rows go in with ``COPY``: straight into the table when HQ has none of
those hours yet, else into a temporary table and one ``INSERT … SELECT … ON CONFLICT DO
UPDATE``; on SQLite with one ``executemany`` of the
same upsert. Only the figure columns the file has are set: a column it leaves out keeps
what HQ has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hq.core.errors import InputError
from hq.insight.business.layout import Problem, Read, read_file
from hq.people.access import Access
from hq.tables.database import copy_in
from hq.tables.models import Store
from kiosk.timekeeping.localtime import to_utc_text

# The layout's column → the table's.
STORED = {"transactions": "transactions", "sales": "sales_cents", "footfall": "footfall",
          "staff": "staff"}  # fmt: skip
_PG_TYPES = {"transactions": "integer", "sales_cents": "bigint", "footfall": "integer",
             "staff": "double precision"}  # fmt: skip


class BusinessFileError(InputError):
    """The file has problems (:class:`~hq.insight.business.layout.Problem`, each naming its
    line and column); nothing was written."""

    def __init__(self, read: Read):
        more = f" (and {read.more_problems} more)" if read.more_problems else ""
        super().__init__("; ".join(str(p) for p in read.problems[:5]) + more)
        self.problems: list[Problem] = read.problems
        self.more_problems = read.more_problems


@dataclass(frozen=True)
class Imported:
    """What an import wrote: its rows, stores, first and last local day and the figures."""

    rows: int
    stores: int
    first_day: str
    last_day: str
    columns: tuple[str, ...]


def import_business(session: Session, access: Access, text: str, now: datetime) -> Imported:
    """Read *text* (the CSV layout of :mod:`.layout`) for the stores *access* may act on
    and write it; a :class:`BusinessFileError` and nothing written if any line is wrong.
    The caller commits."""
    stores = session.execute(select(Store.id, Store.timezone)).all()
    zones = {s.id: s.timezone for s in stores if access.acts_on(s.id)}
    read = read_file(text, zones)
    if read.problems:
        raise BusinessFileError(read)
    columns = tuple(STORED[c] for c in read.columns)
    stamp = to_utc_text(now)
    rows = [(*row, stamp) for row in read.rows]
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        _copy_in(session, conn, columns, rows)
    else:
        conn.exec_driver_sql(
            _upsert_sql(columns, "VALUES (" + ", ".join("?" * (len(columns) + 5)) + ")"), rows
        )
    days = [row[2] for row in read.rows]
    return Imported(len(rows), len({r[0] for r in read.rows}), min(days), max(days), read.columns)


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(("store_id", "starts_at", "day", "hour", *columns, "imported_at"))


def _upsert_sql(columns: tuple[str, ...], source: str) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in (*columns, "imported_at"))
    return (
        f"INSERT INTO business_hours ({_names(columns)}) {source}"
        f" ON CONFLICT (store_id, starts_at) DO UPDATE SET {updates}"
    )


def _copy_in(session: Session, conn, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Straight into the table with ``COPY`` when HQ has none of these hours yet (a first
    import: as fast as a bare load); through a temporary table and an upsert otherwise, or
    when another import wrote some of them meanwhile."""
    stores = sorted({r[0] for r in rows})
    span = (min(r[1] for r in rows), max(r[1] for r in rows))
    known = conn.exec_driver_sql(
        "SELECT 1 FROM business_hours WHERE store_id = ANY(%s)"
        " AND starts_at BETWEEN %s AND %s LIMIT 1",
        (stores, *span),
    ).first()
    sql = f"COPY business_hours ({_names(columns)}) FROM STDIN"
    if known is None and copy_in(session, sql, lambda copy: _write(copy, rows)):
        return
    _copy_upsert(conn, columns, rows)


def _copy(conn, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    with (
        conn.connection.driver_connection.cursor() as cursor,
        cursor.copy(f"COPY {table} ({_names(columns)}) FROM STDIN") as copy,
    ):
        _write(copy, rows)


def _write(copy, rows: list[tuple]) -> None:
    # COPY's text format written here: every value is a number, a store id (letters,
    # digits, '.', '_', '-'), a date or a time HQ wrote, so none needs escaping.
    for i in range(0, len(rows), 10_000):
        copy.write("".join(
            "\t".join("\\N" if v is None else str(v) for v in row) + "\n"
            for row in rows[i : i + 10_000]
        ))  # fmt: skip


def _copy_upsert(conn, columns: tuple[str, ...], rows: list[tuple]) -> None:
    typed = ", ".join(f"{c} {_PG_TYPES[c]}" for c in columns)
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE business_in (store_id text, starts_at text, day text,"
        f" hour integer, {typed}, imported_at text) ON COMMIT DROP"
    )
    _copy(conn, "business_in", columns, rows)
    # the column names are this module's own (STORED), never the file's
    select_in = f"SELECT {_names(columns)} FROM business_in"  # noqa: S608
    conn.exec_driver_sql(_upsert_sql(columns, select_in))
