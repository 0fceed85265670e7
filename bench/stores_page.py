"""The all-stores page and a store's page against the bare read of the kept counts they
use, in process (no HTTP): a chain of ``HYMIO_BENCH_STORES_PAGE_STORES`` stores (default
1 000), each with its opening hours and 60 days of kept counts (``rating_days``,
``rating_hours`` and ``question_days``, as ingest keeps them, about 55 ratings a store a
day), one store with two years of them, and ``HYMIO_BENCH_STORES_PAGE_KIOSKS`` kiosks
(default 5 000); the first half of the stores are one region.

The bare read is the driver reading the rollup rows the page reads (no Python around
them): for ``GET /``, every store's ``rating_days`` of the ranking's 60 days; for
``GET /stores/s0001`` over a year, that store's ``rating_days`` of the year and the year
before and its ``rating_hours`` of the year; for ``GET /regions/r1``, its stores'
``rating_hours`` of the weekly summary's nine weeks (its widest read). Interleaved rounds
(bare, page, …); min, median and max, and the page as a ratio of its bare read; then the
time HQ's app spent on the page (from the request to its answer's last byte: without the
test client's own work) and of that the time outside the database (less its statements'
time from sending each to having its rows: Python and the templates) as a ratio of the
same read.
``--profile`` prints cProfile's top functions of each page instead.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import random
import sqlite3
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import event, update
from sqlalchemy.engine import Engine

from bench.chain_data import KIOSK_COLUMNS, kiosk_rows
from bench.common import row
from hq.fleet.chain.hours import set_weekly_hours
from hq.people.admin import add_store, add_user
from hq.people.roles import add_region
from hq.tables.database import open_database
from hq.tables.models import Store
from hq.tables.rollups import DAY_COUNTS, DAY_KEYS, HOUR_KEYS, QUESTION_KEYS

STORES = int(os.environ.get("HYMIO_BENCH_STORES_PAGE_STORES", "1000"))
KIOSKS = int(os.environ.get("HYMIO_BENCH_STORES_PAGE_KIOSKS", "5000"))
ROUNDS = int(os.environ.get("HYMIO_BENCH_STORES_PAGE_ROUNDS", "5"))
PASSWORD = "bench horse battery"  # noqa: S105 -- a bench user's password
ZONES = ("Europe/Helsinki", "Europe/Stockholm")
PER_DAY = 55
YEAR_STORE = "s0001"
REGION = "r1"  # the first half of the stores
WEEK = {
    **dict.fromkeys(("mon", "tue", "wed", "thu", "fri"), "08:00-21:00"),
    "sat": "09:00-18:00",
    "sun": "12:00-18:00",
}  # every store's opening hours


def _scale(i: int) -> tuple[str, int, int]:
    return {7: ("nps", 0, 10), 19: ("ces", 1, 7)}.get(i % 20, ("smiley4", 1, 4))


def _store_day(i: int, day: str, rng: random.Random, kiosks: list[str]):
    """One store-day's hour rows and its day row, as ingest keeps them."""
    scale, low, high = _scale(i)
    hours: Counter = Counter()
    for _ in range(PER_DAY):
        score = rng.randint(low, high)
        flag = "repeat" if rng.random() < 0.03 else ""
        reason = "queue" if flag == "" and score == low and rng.random() < 0.5 else ""
        hours[(rng.randint(8, 19), rng.choice(kiosks), score, flag, reason)] += 1
    day_row = [0] * len(DAY_COUNTS)
    out = []
    for (hour, kiosk, score, flag, reason), n in hours.items():
        out.append((f"s{i:04d}", day, hour, kiosk, "default", "overall", 1, scale,
                    score, flag, reason, n))  # fmt: skip
        day_row[DAY_COUNTS.index(flag) if flag else score] += n
    return out, (f"s{i:04d}", day, scale, *day_row)


def fill(url: str) -> None:
    """The stores with their opening hours, a user, the kiosks and the kept counts, after
    the migrations."""
    now = datetime.now(UTC)
    engine, sessions = open_database(url)
    with sessions() as s:
        for i in range(STORES):
            add_store(s, f"s{i:04d}", f"Store {i:04d}", ZONES[i % 2], now)
            set_weekly_hours(s, None, f"s{i:04d}", WEEK, now)
        add_user(s, "bench", PASSWORD, now)
        add_region(s, REGION, "Region one", None, now)  # half the chain
        half = [f"s{i:04d}" for i in range(STORES // 2)]
        s.execute(update(Store).where(Store.id.in_(half)).values(region_id=REGION))
        s.commit()
    engine.dispose()
    rng = random.Random(31)
    devices = kiosk_rows(KIOSKS, STORES, rng, now)
    kiosks = {}
    for d in devices:
        kiosks.setdefault(d[1], []).append(d[0])
    today = now.date()
    hours, days = [], []
    for i in range(STORES):
        n_days = 730 if f"s{i:04d}" == YEAR_STORE else 60
        for back in range(n_days):
            h, d = _store_day(i, (today - timedelta(days=back)).isoformat(), rng,
                              kiosks.get(f"s{i:04d}", ["none"]))  # fmt: skip
            hours += h
            days.append(d)
    asked: Counter = Counter()  # the question days: the hours' counted ratings
    for store, day, _hour, _kiosk, survey, question, version, scale, _s, flag, _r, n in hours:
        if not flag:
            asked[(store, day, scale, survey, question, version)] += n
    tables = [
        ("devices", KIOSK_COLUMNS, devices),
        ("rating_hours", (*HOUR_KEYS, "n"), hours),
        ("rating_days", (*DAY_KEYS, *DAY_COUNTS), days),
        ("question_days", (*QUESTION_KEYS, "n"), [(*k, n) for k, n in asked.items()]),
    ]  # fmt: skip
    if url.startswith("postgresql"):
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            for table, names, values in tables:
                with conn.cursor().copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as c:
                    for v in values:
                        c.write_row(v)
            conn.commit()
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
        return
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    with conn:
        for table, names, values in tables:
            marks = ", ".join("?" * len(names))
            conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks})", values)  # noqa: S608 -- our names
        conn.execute("ANALYZE")
    conn.close()


def bare_reads(now: datetime) -> dict[str, list[tuple[str, tuple]]]:
    """Per page, the rollup reads that are its baseline (``%s``: a parameter)."""
    today = now.date()
    day = "SELECT * FROM rating_days WHERE day >= %s AND day <= %s"
    one_day = "SELECT * FROM rating_days WHERE store_id = %s AND day >= %s AND day <= %s"
    one_hour = "SELECT * FROM rating_hours WHERE store_id = %s AND day >= %s AND day <= %s"
    region_hours = (
        "SELECT h.* FROM rating_hours h JOIN stores s ON s.id = h.store_id"
        " WHERE s.region_id = %s AND h.day >= %s AND h.day <= %s"
    )
    d = lambda n: (today - timedelta(days=n)).isoformat()  # noqa: E731
    year = f"?from={d(364)}&to={d(0)}"
    return {
        "/": [(day, (d(60), d(0)))],
        f"/stores/{YEAR_STORE}{year}": [(one_day, (YEAR_STORE, d(729), d(0))),
                                       (one_hour, (YEAR_STORE, d(364), d(0)))],
        # the weekly summary's nine weeks of the region's hour counts (its widest read)
        f"/regions/{REGION}": [(region_hours, (REGION, d(69), d(0)))],
    }  # fmt: skip


def _connect(url: str):
    if url.startswith("postgresql"):
        return psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), autocommit=True)
    return sqlite3.connect(url.removeprefix("sqlite:///"))


def _bare(conn, reads: list[tuple[str, tuple]]) -> int:
    n = 0
    for sql, params in reads:
        if isinstance(conn, sqlite3.Connection):
            sql = sql.replace("%s", "?")
        n += len(conn.execute(sql, params).fetchall())
    return n


class _InApp:
    """The ASGI app *app* timed from a request's start to its answer's last byte (what
    HQ does, not the test client's own work), summed until :meth:`take`."""

    def __init__(self, app) -> None:
        self.app, self.seconds = app, 0.0

    async def __call__(self, scope, receive, send) -> None:
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            self.seconds += time.perf_counter() - started

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


def _client(url: str):
    from fastapi.testclient import TestClient

    from hq.server.app import create_app

    client = TestClient(_InApp(create_app(url)))
    form = client.get("/login").text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    data = {"username": "bench", "password": PASSWORD, "csrf": csrf}
    assert client.post("/login", data=data).status_code in (200, 303)
    return client


def _profiled() -> cProfile.Profile:
    """A profiler of the route functions and their dependencies, run in the event loop's
    thread (FastAPI runs them in worker threads, which cProfile does not follow)."""
    import fastapi.dependencies.utils
    import fastapi.routing

    profiler = cProfile.Profile(time.thread_time)  # CPU, not the busy machine's waits

    async def inline(func, *args, **kwargs):
        profiler.enable()
        try:
            return func(*args, **kwargs)
        finally:
            profiler.disable()

    fastapi.routing.run_in_threadpool = inline
    fastapi.dependencies.utils.run_in_threadpool = inline
    return profiler


class _InDatabase:
    """The time the app's statements take, from sending each to its rows being in (the
    driver's ``execute``; making the rows into objects is the app's), summed until
    :meth:`take`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, conn, *_args) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, *_args) -> None:
        self.seconds += time.perf_counter() - conn.info.pop("bench_started")

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds

    def close(self) -> None:
        event.remove(Engine, "before_cursor_execute", self._before)
        event.remove(Engine, "after_cursor_execute", self._after)


def measure(url: str, label: str, profile: bool = False) -> dict[str, list[float]]:
    from hq.server.serving import settle_heap

    in_database = _InDatabase()
    client = _client(url)
    conn = _connect(url)
    reads = bare_reads(datetime.now(UTC))
    out = {}
    try:
        for path in reads:
            answer = client.get(path)  # warm: templates, the pool
            assert answer.status_code == 200, (path, answer.status_code)
        # What a served worker does once started (hq/server/main.py): without it every
        # full collection walks the app's 250 000 objects, 170 ms each here, which no
        # installed HQ pays.
        settle_heap()
        for path, sql in reads.items():
            _bare(conn, sql)
            if profile:
                profiler = _profiled()
                client.get(path)
                print(f"--- {label} GET {path}")
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
                continue
            bare, page, in_app, outside = [], [], [], []
            for _ in range(ROUNDS):
                started = time.perf_counter()
                _bare(conn, sql)
                bare.append(time.perf_counter() - started)
                in_database.take()
                client.app.take()
                started = time.perf_counter()
                client.get(path).raise_for_status()
                page.append(time.perf_counter() - started)
                in_app.append(client.app.take())
                outside.append(in_app[-1] - in_database.take())
            ratios = sorted(p / b for p, b in zip(page, bare, strict=True))
            row(f"GET {path.split('?')[0]}", _spread(page), f"bare read {_spread(bare)}")
            row("  ÷ bare read of the kept counts", _ratios(ratios))
            row("  in HQ's app", _spread(in_app), "(request to answer, no test client)")
            row("  in HQ, outside the database", _spread(outside), "(Python and templates)")
            python = sorted(p / b for p, b in zip(outside, bare, strict=True))
            row("    ÷ bare read of the kept counts", _ratios(python), "(goal ≤ 2)")
            out[path] = ratios
            out[f"{path} outside"] = python
    finally:
        conn.close()
        client.close()
        in_database.close()
    return out


def _spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{ms[0]:.0f}/{statistics.median(ms):.0f}/{ms[-1]:.0f} ms"


def _ratios(values: list[float]) -> str:
    return f"{values[0]:.2f}/{statistics.median(values):.2f}/{values[-1]:.2f}×"


def _pg_has(name: str) -> bool:
    from bench.ingest import PG

    with psycopg.connect(PG, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        return found.fetchone() is not None


def main(argv: list[str] | None = None) -> None:
    from bench.common import bench_dir
    from bench.ingest import _pg_db, _pg_drop

    args = sys.argv[1:] if argv is None else argv
    profile = "--profile" in args
    which = [a for a in args if a in ("postgresql", "sqlite")] or ["postgresql", "sqlite"]
    print(f"All-stores and store pages, {STORES:,} stores, {KIOSKS:,} kiosks (min/median/max)")
    if "postgresql" in which:
        kept = os.environ.get("HYMIO_BENCH_STORES_PAGE_PG_KEEP")  # a database kept between runs
        name = kept or "hymio_bench_stores_page"
        try:
            if kept and _pg_has(name):
                url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            else:
                url = _pg_db(name)
                started = time.perf_counter()
                fill(url)
                print(f"  (PostgreSQL filled in {time.perf_counter() - started:.1f} s)")
            measure(url, "PostgreSQL", profile)
        finally:
            if not kept:
                _pg_drop(name)
    if "sqlite" in which:
        keep = os.environ.get("HYMIO_BENCH_STORES_PAGE_KEEP")  # a file kept between runs
        with bench_dir() as tmp:
            path = Path(keep) if keep else Path(tmp) / "hq.db"
            url = f"sqlite:///{path}"
            started = time.perf_counter()
            if not path.exists():
                fill(url)
            print(f"  (SQLite filled in {time.perf_counter() - started:.1f} s)")
            measure(url, "SQLite", profile)


if __name__ == "__main__":
    main()
