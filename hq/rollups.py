"""The ratings counted as the figures need them, kept in the ingest transaction.

Two tables of counts, both by the store's local day (its time zone never changes):

- ``rating_hours``: per store, local day and hour, device, survey, question and config
  version, scale, score, flag and reason — what a store page reads (its heat map,
  reasons, kiosks, question versions);
- ``rating_days``: per store, local day, scale, score and flag — what the all-stores
  page, the rankings and the daily API read across the chain.

``flag`` is the rating's flag, ``time_suspect`` where HQ marked its time (as
:data:`hq.reports.FLAG`), or ``""`` for a rating that counts; ``reason`` is ``""`` for none.
Ingest adds the counts of the ratings it inserted (:func:`count_ratings`); a clock repair
moves a rating from the day and hour of its old time to those of its new one
(:func:`move`); :func:`rebuild` counts a store's ratings again from the rows (the
migration fills the tables with it, and ``hymio hq rebuild-figures`` runs it). One
statement per table and batch, the keys in one order, so concurrent batches of a store
wait for each other's rows instead of deadlocking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import cache

from pydantic_core import to_json
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from hq.models import DayCount, HourCount, Rating, Store
from kiosk.localtime import zone

TIME_SUSPECT = "time_suspect"
HOUR_KEYS = tuple(c.name for c in HourCount.__table__.primary_key.columns)
DAY_KEYS = tuple(c.name for c in DayCount.__table__.primary_key.columns)
INTS = {"hour", "config_version", "score"}
CHUNK = 1000
READ = (
    Rating.store_id, Rating.device_id, Rating.recorded_at, Rating.survey_id,
    Rating.question_id, Rating.config_version, Rating.scale, Rating.score, Rating.flag,
    Rating.reason, Rating.time_suspect,
)  # fmt: skip


class Counts:
    """Counts to add to the two tables: key tuples (in the tables' key order) → n."""

    def __init__(self) -> None:
        self.hours: Counter[tuple] = Counter()
        self.days: Counter[tuple] = Counter()

    def add(self, row: Mapping, tz, sign: int = 1) -> None:
        """Count one rating (*row*: its columns by name) of a store in zone *tz*."""
        at = datetime.fromisoformat(row["recorded_at"]).astimezone(tz)
        day = at.date().isoformat()
        flag = TIME_SUSPECT if row["time_suspect"] else (row["flag"] or "")
        self.hours[
            (row["store_id"], day, at.hour, row["device_id"], row["survey_id"],
             row["question_id"], row["config_version"], row["scale"], row["score"], flag,
             row["reason"] or "")
        ] += sign  # fmt: skip
        self.days[(row["store_id"], day, row["scale"], row["score"], flag)] += sign


def count_ratings(session: Session, store_id: str, rows: Iterable[Mapping]) -> None:
    """Add the just inserted *rows* (all of *store_id*) to the counts."""
    counts = Counts()
    tz = _zone(session, store_id)
    for row in rows:
        counts.add(row, tz)
    write(session.connection(), counts)


def move(session: Session, store_id: str, moves: list[tuple[Mapping, Mapping]]) -> None:
    """Count each repaired rating under its new time instead of its old: *moves* holds
    (the rating before, after) pairs of column mappings."""
    if not moves:
        return
    counts = Counts()
    tz = _zone(session, store_id)
    for before, after in moves:
        counts.add(before, tz, -1)
        counts.add(after, tz)
    conn = session.connection()
    write(conn, counts)
    conn.execute(delete(HourCount).where(HourCount.store_id == store_id, HourCount.n == 0))
    conn.execute(delete(DayCount).where(DayCount.store_id == store_id, DayCount.n == 0))


def write(conn: Connection, counts: Counts) -> None:
    """Add *counts* to the tables: one upsert per table (per CHUNK keys), keys sorted."""
    for table, keys, counter in (
        (HourCount.__tablename__, HOUR_KEYS, counts.hours),
        (DayCount.__tablename__, DAY_KEYS, counts.days),
    ):
        items = sorted((k, n) for k, n in counter.items() if n)
        for i in range(0, len(items), CHUNK):
            chunk = items[i : i + CHUNK]
            if conn.dialect.name == "postgresql":
                body = [dict(zip(keys, k, strict=True), n=n) for k, n in chunk]
                conn.exec_driver_sql(_postgres_sql(table, keys), (to_json(body).decode(),))
            else:
                params = tuple(v for k, n in chunk for v in (*k, n))
                conn.exec_driver_sql(_sqlite_sql(table, keys, len(chunk)), params)


def rebuild(session: Session, store_id: str | None = None) -> int:
    """Count the ratings of *store_id* (every store if ``None``) again from the rows,
    replacing what the tables held; the number of ratings counted."""
    query = select(Store.id, Store.timezone)  # only these: the migration runs this too
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # A batch that commits meanwhile either counted itself before the lock (and its
        # ratings are read here) or waits for it (and its ratings are not): none twice.
        conn.exec_driver_sql("LOCK TABLE rating_hours, rating_days IN EXCLUSIVE MODE")
    stores = conn.execute(query if store_id is None else query.where(Store.id == store_id)).all()
    total = 0
    for sid, timezone in stores:
        conn.execute(delete(HourCount).where(HourCount.store_id == sid))
        conn.execute(delete(DayCount).where(DayCount.store_id == sid))
        counts, tz = Counts(), zone(timezone)
        query = select(*READ).where(Rating.store_id == sid)
        for row in conn.execute(query.execution_options(stream_results=True, yield_per=10_000)):
            counts.add(row._mapping, tz)
            total += 1
        write(conn, counts)
    return total


def _zone(session: Session, store_id: str):
    return zone(session.execute(select(Store.timezone).where(Store.id == store_id)).scalar_one())


@cache
def _postgres_sql(table: str, keys: tuple[str, ...]) -> str:
    cols = (*keys, "n")
    record = ", ".join(f"{c} {'integer' if c in INTS else 'bigint' if c == 'n' else 'text'}"
                       for c in cols)  # fmt: skip
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)}"  # noqa: S608 -- fixed names
        f" FROM json_to_recordset(%s::json) AS r({record})"
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table}.n + excluded.n"
    )


@cache
def _sqlite_sql(table: str, keys: tuple[str, ...], rows: int) -> str:
    cols = (*keys, "n")
    one = "(" + ", ".join("?" * len(cols)) + ")"
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([one] * rows)}"  # noqa: S608 -- fixed names
        f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET n = {table}.n + excluded.n"
    )
