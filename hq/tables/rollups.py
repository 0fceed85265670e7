"""The ratings counted as the figures need them, kept in the ingest transaction.

Three tables of counts, all by the store's local day (its time zone never changes):

- ``rating_hours``: per store, local day and hour, device, survey, question and config
  version, scale, score, flag and reason — what a store page reads (its heat map,
  reasons, kiosks, question versions);
- ``rating_days``: one row per store, local day and scale, with its counted ratings by
  score (``s0`` … ``s10``) and the others by why (a column per flag) — what the
  all-stores page, the rankings, a store's cards and the daily API read: one row per
  store-day, so 60 days of 500 stores are 30 000 rows;
- ``question_days``: per store, local day, scale, survey, question and config version,
  its counted ratings — which question versions a store asked on a day, what the
  rankings' question check reads (a row or two per store-day instead of every hour ×
  kiosk × score row of ``rating_hours``).

``flag`` is the rating's flag, ``time_suspect`` where HQ marked its time (it counts
like a flagged rating), or ``""`` for a rating that counts; ``reason`` is ``""`` for none.
Ingest adds the counts of the ratings it inserted (:func:`count_ratings`); a clock repair
moves a rating from the day and hour of its old time to those of its new one
(:func:`move`; a key whose count reaches 0 is deleted, so a question version no longer
counted on a day is no longer asked on it); :func:`rebuild` counts a store's ratings
again from the rows (the migration fills the tables with it, and ``hymio hq
rebuild-figures`` runs it). One statement per table and batch, the keys in one order, so
concurrent batches of a store wait for each other's rows instead of deadlocking.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress
from datetime import datetime, timedelta
from functools import cache, lru_cache

from pydantic_core import to_json
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from hq.tables.models import DAY_FLAGS, DayCount, HourCount, QuestionDay, Rating, Store
from kiosk.timekeeping.localtime import zone

TIME_SUSPECT = "time_suspect"
HOUR_KEYS = tuple(c.name for c in HourCount.__table__.primary_key.columns)
DAY_KEYS = tuple(c.name for c in DayCount.__table__.primary_key.columns)
DAY_COUNTS = DayCount.columns()
QUESTION_KEYS = tuple(c.name for c in QuestionDay.__table__.primary_key.columns)
SLOT = {flag: 11 + i for i, flag in enumerate(DAY_FLAGS)}  # a flag's place after s0 … s10
INTS = {"hour", "config_version", "score"}
CHUNK = 1000
READ = (
    Rating.store_id, Rating.device_id, Rating.recorded_at, Rating.survey_id,
    Rating.question_id, Rating.config_version, Rating.scale, Rating.score, Rating.flag,
    Rating.reason, Rating.time_suspect,
)  # fmt: skip


class Counts:
    """Counts to add to the three tables: key tuples (in the tables' key order) → n."""

    def __init__(self) -> None:
        self.hours: Counter[tuple] = Counter()
        self.days: dict[tuple, list[int]] = {}  # (store, day, scale) → DAY_COUNTS
        self.questions: Counter[tuple] = Counter()  # QUESTION_KEYS → counted ratings

    def add(self, row: Mapping, tz, sign: int = 1) -> None:
        """Count one rating (*row*: its columns by name) of a store in zone *tz*."""
        text = row["recorded_at"]
        local = _hour_in(text[:13], tz) if text.endswith("+00:00") else None
        if local is None:
            at = datetime.fromisoformat(text)
            with suppress(OverflowError):  # year 9999's last hours (a suspect time): UTC's day
                at = at.astimezone(tz)
            day, hour = at.date().isoformat(), at.hour
        else:
            day, hour = local
        flag = TIME_SUSPECT if row["time_suspect"] else (row["flag"] or "")
        self.hours[
            (row["store_id"], day, hour, row["device_id"], row["survey_id"],
             row["question_id"], row["config_version"], row["scale"], row["score"], flag,
             row["reason"] or "")
        ] += sign  # fmt: skip
        counts = self.days.get((row["store_id"], day, row["scale"]))
        if counts is None:
            counts = self.days[(row["store_id"], day, row["scale"])] = [0] * len(DAY_COUNTS)
        counts[SLOT[flag] if flag else row["score"]] += sign
        if not flag:
            self.questions[
                (row["store_id"], day, row["scale"], row["survey_id"], row["question_id"],
                 row["config_version"])
            ] += sign  # fmt: skip


@lru_cache(maxsize=4096)
def _hour_in(utc_hour: str, tz) -> tuple[str, int] | None:
    """The local day and hour in *tz* of every instant of the UTC hour *utc_hour*
    (``YYYY-MM-DDTHH``), or None where that hour is not one whole local hour (an offset of
    part of an hour, or one that changes within it): a batch's ratings mostly share a few
    hours, and converting each of their times was a third of counting them."""
    try:
        start = datetime.fromisoformat(f"{utc_hour}:00:00+00:00")
        first = start.astimezone(tz)
        last = (start + timedelta(hours=1, microseconds=-1)).astimezone(tz)
    except (ValueError, OverflowError):
        return None
    if first.minute or first.second or first.utcoffset() != last.utcoffset():
        return None
    return first.date().isoformat(), first.hour


def count_ratings(
    session: Session, store_id: str, rows: Iterable[Mapping], timezone: str | None = None
) -> None:
    """Add the just inserted *rows* (all of *store_id*, in *timezone* if known) to the
    counts."""
    counts = Counts()
    tz = zone(timezone) if timezone else _zone(session, store_id)
    for row in rows:
        counts.add(row, tz)
    write(session.connection(), counts)


def move(
    session: Session,
    store_id: str,
    moves: list[tuple[Mapping, Mapping]],
    timezone: str | None = None,
) -> None:
    """Count each repaired rating under its new time instead of its old: *moves* holds
    (the rating before, after) pairs of column mappings."""
    if not moves:
        return
    counts = Counts()
    tz = zone(timezone) if timezone else _zone(session, store_id)
    for before, after in moves:
        counts.add(before, tz, -1)
        counts.add(after, tz)
    conn = session.connection()
    write(conn, counts)
    conn.execute(delete(HourCount).where(HourCount.store_id == store_id, HourCount.n == 0))
    gone = QuestionDay.n == 0
    conn.execute(delete(QuestionDay).where(QuestionDay.store_id == store_id, gone))
    empty = sum(getattr(DayCount, c) for c in DAY_COUNTS) == 0
    conn.execute(delete(DayCount).where(DayCount.store_id == store_id, empty))


def postgres_upserts(counts: Counts) -> list[tuple[str, str]] | None:
    """The upserts of *counts* on PostgreSQL, the hours', the days' and the question
    days' (none where no counted rating changed), each as (its statement, its one JSON
    parameter), for a statement of the caller's; None unless the hours and the days have
    1 to CHUNK keys to add and the question days at most CHUNK."""
    tables = _tables(counts)
    (_, _, _, hours), (_, _, _, days), (_, _, _, questions) = tables
    if not (0 < len(hours) <= CHUNK and 0 < len(days) <= CHUNK and len(questions) <= CHUNK):
        return None
    return [
        (
            _postgres_sql(table, keys, values),
            to_json([dict(zip((*keys, *values), r, strict=True)) for r in rows]).decode(),
        )
        for table, keys, values, rows in tables
        if rows
    ]


def _tables(counts: Counts) -> list[tuple[str, tuple[str, ...], tuple[str, ...], list[tuple]]]:
    """Each table's name, key and count columns, and its rows to add (keys sorted)."""
    return [
        (HourCount.__tablename__, HOUR_KEYS, ("n",),
         [(*k, n) for k, n in sorted(counts.hours.items()) if n]),
        (DayCount.__tablename__, DAY_KEYS, DAY_COUNTS,
         [(*k, *c) for k, c in sorted(counts.days.items()) if any(c)]),
        (QuestionDay.__tablename__, QUESTION_KEYS, ("n",),
         [(*k, n) for k, n in sorted(counts.questions.items()) if n]),
    ]  # fmt: skip


def write(conn: Connection, counts: Counts) -> None:
    """Add *counts* to the tables: one upsert per table (per CHUNK keys), keys sorted."""
    upserts = postgres_upserts(counts) if conn.dialect.name == "postgresql" else None
    if upserts is not None:
        # A batch's counts in one statement, one round trip: the hours, the days, then
        # the question days.
        sql = _postgres_all(tuple(sql for sql, _ in upserts))
        conn.exec_driver_sql(sql, tuple(body for _, body in upserts))
        return
    for table, keys, values, rows in _tables(counts):
        names = (*keys, *values)
        for i in range(0, len(rows), CHUNK):
            chunk = rows[i : i + CHUNK]
            if conn.dialect.name == "postgresql":
                body = [dict(zip(names, r, strict=True)) for r in chunk]
                sql = _postgres_sql(table, keys, values)
                conn.exec_driver_sql(sql, (to_json(body).decode(),))
            else:
                params = tuple(v for r in chunk for v in r)
                conn.exec_driver_sql(_sqlite_sql(table, keys, values, len(chunk)), params)


def rebuild(session: Session, store_id: str | None = None, questions: bool = True) -> int:
    """Count the ratings of *store_id* (every store if ``None``) again from the rows,
    replacing what the tables held; the number of ratings counted. Without *questions*
    ``question_days`` is left alone (a migration before 0026, which makes it)."""
    query = select(Store.id, Store.timezone)  # only these: the migration runs this too
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        # A batch that commits meanwhile either counted itself before the lock (and its
        # ratings are read here) or waits for it (and its ratings are not): none twice.
        locked = "rating_hours, rating_days" + (", question_days" if questions else "")
        conn.exec_driver_sql(f"LOCK TABLE {locked} IN EXCLUSIVE MODE")
    stores = conn.execute(query if store_id is None else query.where(Store.id == store_id)).all()
    total = 0
    for sid, timezone in stores:
        conn.execute(delete(HourCount).where(HourCount.store_id == sid))
        conn.execute(delete(DayCount).where(DayCount.store_id == sid))
        if questions:
            conn.execute(delete(QuestionDay).where(QuestionDay.store_id == sid))
        counts, tz = Counts(), zone(timezone)
        query = select(*READ).where(Rating.store_id == sid)
        for row in conn.execute(query.execution_options(stream_results=True, yield_per=10_000)):
            counts.add(row._mapping, tz)
            total += 1
        if not questions:
            counts.questions.clear()
        write(conn, counts)
    return total


def zone_of(session: Session, store_id: str, timezone: str | None = None):
    """The time zone of *store_id*: *timezone* if the caller knows it, else looked up."""
    return zone(timezone) if timezone else _zone(session, store_id)


def _zone(session: Session, store_id: str):
    return zone(session.execute(select(Store.timezone).where(Store.id == store_id)).scalar_one())


def _upsert(table: str, keys: tuple[str, ...], values: tuple[str, ...]) -> str:
    added = ", ".join(f"{v} = {table}.{v} + excluded.{v}" for v in values)
    return f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}"


@cache
def _postgres_sql(table: str, keys: tuple[str, ...], values: tuple[str, ...]) -> str:
    cols = (*keys, *values)
    record = ", ".join(
        f"{c} {'integer' if c in INTS else 'bigint' if c in values else 'text'}" for c in cols
    )
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) SELECT {', '.join(cols)}"  # noqa: S608 -- fixed names
        f" FROM json_to_recordset(%s::json) AS r({record})" + _upsert(table, keys, values)
    )


@cache
def _postgres_all(upserts: tuple[str, ...]) -> str:
    """The *upserts* as one statement: all but the last as data-modifying ``WITH``s."""
    withs = ", ".join(f"kept{i} AS ({sql} RETURNING 1)" for i, sql in enumerate(upserts[:-1]))
    return f"WITH {withs} {upserts[-1]}" if withs else upserts[-1]


@cache
def _sqlite_sql(table: str, keys: tuple[str, ...], values: tuple[str, ...], rows: int) -> str:
    cols = (*keys, *values)
    one = "(" + ", ".join("?" * len(cols)) + ")"
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES {', '.join([one] * rows)}"  # noqa: S608 -- fixed names
        + _upsert(table, keys, values)
    )
