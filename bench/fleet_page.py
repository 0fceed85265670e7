"""The fleet page and the all-stores page at fleet scale (issue 31): a real ``hymio hq
serve`` with ``HYMIO_BENCH_FLEET_KIOSKS`` kiosks (default 20 000) in 500 stores, loaded
fast (``COPY`` on PostgreSQL, ``executemany`` on SQLite), each with a heartbeat's status
and a tenth of them with a problem, and 60 days of kept day counts of every store.
``GET /fleet`` (counts of problems and a page of 50) against the bare read of every
kiosk's id, store, last heartbeat and version with the driver (what the page read before
it was paged); ``GET /`` (whose silent kiosks are read in SQL) against the bare read of
the kept counts it is made of, every store's ``rating_days`` of the ranking's 60 days.
Interleaved rounds (bare, page, bare, page, …); min, median and max, and each page as a
ratio of its bare read. Goal: ``/fleet`` ≤ 200 ms at 20 000.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests

from bench.common import row
from bench.ingest import start_hq
from hq.people.admin import add_store, add_user
from hq.tables.database import open_database
from hq.tables.rollups import DAY_COUNTS, DAY_KEYS
from kiosk.timekeeping.localtime import to_utc_text

KIOSKS = int(os.environ.get("HYMIO_BENCH_FLEET_KIOSKS", "20000"))
STORES = 500
ROUNDS = int(os.environ.get("HYMIO_BENCH_FLEET_ROUNDS", "5"))
GOAL_MS = 200
PASSWORD = "bench horse battery"  # noqa: S105 -- a bench user's password
BARE = "SELECT id, store_id, last_seen_at, last_status, version FROM devices"
# GET / reads the kept counts of the ranking's 60 days (issue 31): its bare read
BARE_ROLLUP = "SELECT * FROM rating_days WHERE day >= {since}"
COLUMNS = ("id", "store_id", "token_hash", "created_at", "last_seen_at", "last_status",
           "version", "name")  # fmt: skip


def kiosk_rows(n: int, now: datetime) -> list[tuple]:
    """*n* kiosks over :data:`STORES` stores; about one in ten with some problem."""
    rng = random.Random(31)
    out = []
    for i in range(n):
        status = {"clock_synced": True, "disk_free": 8_000_000_000, "cpu_temperature": 48.0,
                  "stuck_buttons": [], "pending": 0}  # fmt: skip
        seen = now - timedelta(minutes=rng.randint(1, 20))
        pick = rng.random()
        if pick < 0.02:
            seen = now - timedelta(hours=3)
        elif pick < 0.04:
            status["disk_free"] = 90_000_000
        elif pick < 0.06:
            status["cpu_temperature"] = 82.0
        elif pick < 0.08:
            status["clock_synced"] = False
        elif pick < 0.1:
            status["stuck_buttons"] = [2]
        out.append((f"k{i:06d}", f"s{i % STORES:03d}", f"{i:064x}", to_utc_text(now),
                    to_utc_text(seen), json.dumps(status), "1.0", ""))  # fmt: skip
    return out


def fill(url: str, n: int) -> None:
    """The stores, a user and *n* kiosks, after the migrations."""
    now = datetime.now(UTC)
    engine, sessions = open_database(url)
    with sessions() as s:
        for i in range(STORES):
            add_store(s, f"s{i:03d}", f"Store {i:03d}", "Europe/Helsinki", now)
        add_user(s, "bench", PASSWORD, now)
    engine.dispose()
    tables = [("devices", COLUMNS, kiosk_rows(n, now)),
              ("rating_days", (*DAY_KEYS, *DAY_COUNTS), day_rows(now))]  # fmt: skip
    if url.startswith("postgresql"):
        dsn = url.replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(dsn) as conn:
            for table, names, rows in tables:
                with conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
                    for r in rows:
                        copy.write_row(r)
        return
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    with conn:
        for table, names, rows in tables:
            marks = ", ".join("?" * len(names))
            insert = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})"  # noqa: S608
            conn.executemany(insert, rows)
    conn.close()


def day_rows(now: datetime) -> list[tuple]:
    """Every store's kept day counts of the last 60 days, some 50 ratings a day."""
    rng = random.Random(30)
    out = []
    for i in range(STORES):
        for back in range(60):
            counts = [0] * len(DAY_COUNTS)
            for score in (1, 2, 3, 4):
                counts[score] = rng.randint(5, 20)
            day = (now.date() - timedelta(days=back)).isoformat()
            out.append((f"s{i:03d}", day, "smiley4", *counts))
    return out


def _bare(url: str):
    """A connection, and per page the bare read of the rows it is made of."""
    since = (datetime.now(UTC).date() - timedelta(days=60)).isoformat()
    rollup = BARE_ROLLUP.format(since=f"'{since}'")
    if url.startswith("postgresql"):
        conn = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
    else:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    reads = {"/fleet": lambda: conn.execute(BARE).fetchall(),
             "/": lambda: conn.execute(rollup).fetchall()}  # fmt: skip
    return conn, reads


def _session(base: str) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    data = {"username": "bench", "password": PASSWORD, "csrf": csrf}
    http.post(f"{base}/login", data=data, timeout=10).raise_for_status()
    return http


def measure(url: str, label: str) -> dict[str, dict[str, list[float]]]:
    server, base = start_hq(url)
    conn, bare = _bare(url)
    times: dict[str, dict[str, list[float]]] = {}
    try:
        http = _session(base)
        pages = {"/fleet": 0, "/": 0}
        for path in pages:  # warm: templates, the pool, the caches
            answer = http.get(base + path, timeout=120)
            answer.raise_for_status()
            pages[path] = len(answer.content)
        for read in bare.values():
            read()
        for path in pages:
            t = times[path] = {"bare": [], "page": []}
            for _ in range(ROUNDS):
                started = time.perf_counter()
                bare[path]()
                t["bare"].append(time.perf_counter() - started)
                started = time.perf_counter()
                http.get(base + path, timeout=120).raise_for_status()
                t["page"].append(time.perf_counter() - started)
        print(f"  {label}: {KIOSKS:,} kiosks in {STORES} stores, {ROUNDS} rounds")
        for path, t in times.items():
            spread = _spread(t["page"])
            ratios = sorted(p / b for p, b in zip(t["page"], t["bare"], strict=True))
            note = f"bare read {_spread(t['bare'])}; {pages[path] / 1000:.0f} kB of HTML"
            row(f"GET {path}", spread, note)
            row("  ÷ bare read of its rows", _ratios(ratios))
        fleet_median = statistics.median(times["/fleet"]["page"]) * 1000
        verdict = "meets" if fleet_median <= GOAL_MS else "misses"
        row("  /fleet goal", f"≤ {GOAL_MS} ms", f"{verdict} it (median {fleet_median:.0f} ms)")
    finally:
        conn.close()
        server.terminate()
        server.wait(10)
    return times


def _spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{ms[0]:.0f}/{statistics.median(ms):.0f}/{ms[-1]:.0f} ms"


def _ratios(values: list[float]) -> str:
    return f"{values[0]:.2f}/{statistics.median(values):.2f}/{values[-1]:.2f}×"


def main() -> None:
    from bench.common import bench_dir
    from bench.ingest import _pg_db, _pg_drop

    print(f"Fleet and all-stores pages, {KIOSKS:,} kiosks (min/median/max)")
    name = "hymio_bench_fleet_page"
    try:
        url = _pg_db(name)
        started = time.perf_counter()
        fill(url, KIOSKS)
        print(f"  (PostgreSQL filled in {time.perf_counter() - started:.1f} s)")
        measure(url, "PostgreSQL")
    finally:
        _pg_drop(name)
    with bench_dir() as tmp:
        url = f"sqlite:///{Path(tmp) / 'hq.db'}"
        started = time.perf_counter()
        fill(url, KIOSKS)
        print(f"  (SQLite filled in {time.perf_counter() - started:.1f} s)")
        measure(url, "SQLite")


if __name__ == "__main__":
    main()
