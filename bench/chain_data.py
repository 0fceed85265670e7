"""A chain's year of ratings for the dashboard bench: stores in two time zones, two kiosks
each, mostly smiley4 with some NPS, 5-face and CES stores, a few flags and reasons.

The migrations make the tables; the ratings then go in as bulk as the database takes them
(PostgreSQL ``COPY``, SQLite ``executemany`` in one transaction), and so do the counts
ingest would have kept (:class:`hq.tables.rollups.Counts`, the code ingest uses) and the received
figures; then ``ANALYZE``. Store by store, so memory stays that of one store.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

from hq.people.admin import add_store, add_user
from hq.tables.database import open_database
from hq.tables.models import Rating
from hq.tables.rollups import DAY_COUNTS, DAY_KEYS, HOUR_KEYS, QUESTION_KEYS, Counts
from kiosk.timekeeping.localtime import to_utc_text, zone

ZONES = ("Europe/Helsinki", "Europe/Stockholm")
COLUMNS = tuple(c.name for c in Rating.__table__.columns)
PASSWORD = "bench password 1"  # noqa: S105 -- the bench's own user
REASONS = ("queue", "availability", "service", "cleanliness")


def scale_of(i: int) -> str:
    return {7: "nps", 13: "smiley5", 19: "ces"}.get(i % 20, "smiley4")


def store_rows(i: int, n: int, last: date, days: int, rng: random.Random):
    """Store *i*'s *n* ratings over the *days* days ending *last*, by device in seq order."""
    store, scale = f"s{i:04d}", scale_of(i)
    texts = [(last - timedelta(days=d)).isoformat() for d in range(days)]
    low, high = {"nps": (0, 10), "ces": (1, 7), "smiley5": (1, 5)}.get(scale, (1, 4))
    received = to_utc_text(datetime.now(UTC))
    for k in (1, 2):
        device = f"{store}-k{k}"
        times = sorted(
            f"{rng.choice(texts)}T{rng.randint(6, 18):02d}:{rng.randint(0, 59):02d}:"
            f"{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}+00:00"
            for _ in range(n // 2)
        )
        for seq, at in enumerate(times, 1):
            score = rng.randint(low, high)
            roll = rng.random()
            flag = "repeat" if roll < 0.03 else "lockout" if roll < 0.04 else None
            unhappy = score <= (low + high) // 2
            reason = rng.choice(REASONS) if unhappy and rng.random() < 0.5 else None
            yield (
                f"{i:04d}{k}{seq:027x}", device, store, "db1", seq, "default", "overall", 1,
                scale, score, "button", reason, at, True, "boot", seq * 10**9, flag,
                received, False,
            )  # fmt: skip


def fill(
    url: str, stores: int, ratings: int, seed: int = 1, days: int = 365, kiosks: int = 0
) -> None:
    """*stores* stores with *ratings* ratings in all over the last *days* days, in *url*;
    with *kiosks* devices in all if that is more than the two a store that send them (the
    others seen in the last 20 minutes, one in fifty three hours ago: silent)."""
    engine, sessions = open_database(url)
    now = datetime.now(UTC)
    with sessions() as s:
        for i in range(stores):
            add_store(s, f"s{i:04d}", f"Store {i:04d}", ZONES[i % 2], now)
        add_user(s, "bench", PASSWORD, now)
    engine.dispose()
    rng = random.Random(seed)
    last = now.date() - timedelta(days=1)
    pg = url.startswith("postgresql")
    conn = (
        psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
        if pg
        else sqlite3.connect(url.removeprefix("sqlite:///"))
    )
    try:
        for i in range(stores):
            counts, received = Counts(), Counter()
            tz = zone(ZONES[i % 2])
            rows = []
            for r in store_rows(i, ratings // stores, last, days, rng):
                rows.append(r)
                counts.add(dict(zip(COLUMNS, r, strict=True)), tz)
                received[r[1]] = max(received[r[1]], r[4])
            devices = [(d, f"{d}-token", now) for d in received]
            _load(conn, pg, rows, counts, devices, received)
        silent = kiosk_rows(kiosks - 2 * stores, stores, rng, now, "x")  # sent nothing here
        _write(conn, pg, "devices", KIOSK_COLUMNS, silent)
        conn.commit()
        if pg:
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
        else:
            conn.execute("ANALYZE")
            conn.commit()
    finally:
        conn.close()


KIOSK_COLUMNS = ("id", "store_id", "token_hash", "created_at", "last_seen_at", "version", "name")


def kiosk_rows(n: int, stores: int, rng: random.Random, now: datetime, prefix: str = "k"):
    """*n* kiosks' rows of ``devices`` (:data:`KIOSK_COLUMNS`), spread over *stores* stores,
    seen by HQ in the last 20 minutes, one in fifty 3 hours ago (silent)."""
    created = to_utc_text(now)
    rows = []
    for k in range(max(0, n)):
        ago = timedelta(hours=3 if rng.random() < 0.02 else 0, minutes=rng.randint(1, 20))
        rows.append((f"{prefix}{k:06d}", f"s{k % stores:04d}", f"{k:064x}", created,
                     to_utc_text(now - ago), "1.0", ""))  # fmt: skip
    return rows


def _load(conn, pg: bool, rows, counts: Counts, devices, received: Counter) -> None:
    hours = [(*k, n) for k, n in counts.hours.items()]
    days = [(*k, *c) for k, c in counts.days.items()]
    asked = [(*k, n) for k, n in counts.questions.items() if n]
    store = rows[0][2]
    created = to_utc_text(devices[0][2])
    device_rows = [(d, store, f"{d}-{'0' * 40}", created) for d, *_ in devices]
    got = [(d, "db1", n, n, max(r[12] for r in rows if r[1] == d)) for d, n in received.items()]
    tables = [
        ("devices", ("id", "store_id", "token_hash", "created_at"), device_rows),
        ("ratings", COLUMNS, rows),
        ("rating_hours", (*HOUR_KEYS, "n"), hours),
        ("rating_days", (*DAY_KEYS, *DAY_COUNTS), days),
        ("question_days", (*QUESTION_KEYS, "n"), asked),
        ("device_received", ("device_id", "database_id", "received", "last_seq",
                             "last_recorded_at"), got),
    ]  # fmt: skip
    for table, names, values in tables:
        _write(conn, pg, table, names, values)


def _write(conn, pg: bool, table: str, names: tuple[str, ...], rows) -> None:
    """*rows* into *table*'s columns *names*: ``COPY`` on PostgreSQL, ``executemany`` else."""
    if pg:
        with conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" * len(names))
        conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", rows)  # noqa: S608 -- our names


def on_both(
    name: str,
    stores: int,
    pg_ratings: int,
    sqlite_ratings: int,
    measure,
    days: int = 365,
    kiosks: int = 0,
) -> dict:
    """*measure* (url, label) → figures, on a PostgreSQL database *name* and on a SQLite
    file, each filled first with *days* days (a year) of *stores* stores; the figures by
    database."""
    from bench.common import bench_dir
    from bench.ingest import _pg_db, _pg_drop

    figures = {}
    try:
        url = _pg_db(name)
        started = time.perf_counter()
        fill(url, stores, pg_ratings, days=days, kiosks=kiosks)
        print(f"  (PostgreSQL filled in {time.perf_counter() - started:.0f} s)")
        figures["postgresql"] = measure(url, "PostgreSQL")
    finally:
        _pg_drop(name)
    with bench_dir() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hq.db'}"
        started = time.perf_counter()
        fill(url, stores, sqlite_ratings, days=days, kiosks=kiosks)
        print(f"  (SQLite filled in {time.perf_counter() - started:.0f} s)")
        figures["sqlite"] = measure(url, "SQLite")
    return figures
