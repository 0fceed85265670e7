"""The ratings export against the database reading the same rows bare, in one run.

Two months of ratings for :data:`STORES` stores (:mod:`bench.chain_data`: loaded with
``COPY`` on PostgreSQL, ``executemany`` in one transaction on SQLite, with the counts
ingest keeps), :data:`RATINGS` in all. The last month of every store is fetched from a
real ``hymio hq serve`` as ``GET /api/v1/export.csv`` (read to the end over loopback) and,
on the database with its driver, as the bare baselines of the same rows: PostgreSQL
``COPY (SELECT …) TO STDOUT (FORMAT csv)`` and a plain ``SELECT`` fetched to the end;
SQLite the plain ``SELECT``; and, for what the order costs, the same ``COPY`` (or SQLite's
``SELECT``) in the export's order, by store, then time and id ("sorted"). Rounds
interleaved (baselines, export, baselines, export, …); each round's ratio of export to
baseline, min · median · max.

Goals: the export within 1.5× ``COPY`` on PostgreSQL, within 2× the plain ``SELECT`` on
SQLite. ``HYMIO_BENCH_EXPORT_RATINGS``, ``…_STORES`` and ``…_ROUNDS`` change the size.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import psycopg
import requests

from bench.chain_data import ZONES, on_both
from bench.common import row
from bench.ingest import start_hq
from hq.people.admin import add_api_token
from hq.tables.database import open_database
from kiosk.timekeeping.localtime import day_bounds, to_utc_text

RATINGS = int(os.environ.get("HYMIO_BENCH_EXPORT_RATINGS", "400000"))
STORES = int(os.environ.get("HYMIO_BENCH_EXPORT_STORES", "200"))
ROUNDS = int(os.environ.get("HYMIO_BENCH_EXPORT_ROUNDS", "3"))
DAYS = 62  # loaded; the export is of the last 31 of them
GOALS = {"COPY": 1.5, "SELECT": 2.0}
BARE = "SELECT * FROM ratings WHERE recorded_at >= %s AND recorded_at < %s"
SORTED = BARE + " ORDER BY store_id, recorded_at, id"  # the export's order


def month() -> tuple[date, date]:
    """The export's local days: the 31 days that end yesterday (the data's last day)."""
    last = datetime.now(UTC).date() - timedelta(days=1)
    return last - timedelta(days=30), last


def bounds(first: date, last: date) -> tuple[str, str]:
    """The UTC bounds that hold every store's local days *first* … *last*."""
    starts = [day_bounds(first, z)[0] for z in ZONES]
    ends = [day_bounds(last, z)[1] for z in ZONES]
    return to_utc_text(min(starts)), to_utc_text(max(ends))


def _pg_copy(url: str, params: tuple, query: str = BARE) -> int:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        size = 0
        with cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT csv)", params) as copy:
            for block in copy:
                size += len(block)
        return size


def _pg_select(url: str, params: tuple) -> int:
    with psycopg.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute(BARE, params)
        n = 0
        while rows := cursor.fetchmany(10_000):
            n += len(rows)
        return n


def _sqlite_select(path: str, params: tuple, query: str = BARE) -> int:
    conn = sqlite3.connect(path)
    try:
        cursor = conn.execute(query.replace("%s", "?"), params)
        n = 0
        while rows := cursor.fetchmany(10_000):
            n += len(rows)
        return n
    finally:
        conn.close()


def _export(http: requests.Session, url: str) -> int:
    size = 0
    with http.get(url, stream=True, timeout=600) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(256 * 1024):
            size += len(chunk)
    return size


def _timed(work: Callable[[], int]) -> tuple[float, int]:
    started = time.perf_counter()
    n = work()
    return time.perf_counter() - started, n


def measure(url: str, label: str) -> dict[str, float]:
    engine, sessions = open_database(url)
    with sessions() as s:
        token = add_api_token(s, "bench-export", datetime.now(UTC))
    engine.dispose()
    first, last = month()
    params = bounds(first, last)
    pg = url.startswith("postgresql")
    plain = url.replace("postgresql+psycopg", "postgresql")
    path = url.removeprefix("sqlite:///")
    baselines: dict[str, Callable[[], int]] = (
        {
            "COPY": lambda: _pg_copy(plain, params),
            "SELECT": lambda: _pg_select(plain, params),
            "COPY sorted": lambda: _pg_copy(plain, params, SORTED),
        }
        if pg
        else {
            "SELECT": lambda: _sqlite_select(path, params),
            "SELECT sorted": lambda: _sqlite_select(path, params, SORTED),
        }
    )
    server, base = start_hq(url, "--rate-limit", "100000")
    try:
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {token}"
        page = f"{base}/api/v1/export.csv?from={first}&to={last}"
        times: dict[str, list[float]] = {name: [] for name in (*baselines, "export")}
        rows = size = 0
        for _ in range(ROUNDS):
            for name, work in baselines.items():
                seconds, n = _timed(work)
                times[name].append(seconds)
                rows = n if name == "SELECT" else rows
            seconds, size = _timed(lambda: _export(http, page))
            times["export"].append(seconds)
    finally:
        server.terminate()
        server.wait(10)
    print(f"  {label}: a month of {STORES} stores, {rows:,} ratings, {size / 1e6:.0f} MB of CSV")
    out = {}
    for name, spent in times.items():
        spread = " · ".join(f"{f(spent) * 1000:,.0f}" for f in (min, statistics.median, max))
        row(name if name != "export" else "GET /api/v1/export.csv", f"{spread} ms")
        out[name] = statistics.median(spent)
    for name in baselines:
        ratios = [e / b for e, b in zip(times["export"], times[name], strict=True)]
        spread = " · ".join(f"{f(ratios):.2f}" for f in (min, statistics.median, max))
        goal = f"goal ≤ {GOALS[name]}×" if name in GOALS else "what the order costs"
        row(f"export ÷ {name}", f"{spread} ×", goal)
        out[f"export/{name}"] = statistics.median(ratios)
    return out


def main() -> dict[str, dict[str, float]]:
    print(
        f"Exports: {RATINGS:,} ratings over {DAYS} days in {STORES} stores, the last month"
        f" exported; {ROUNDS} rounds interleaved (min · median · max)"
    )
    return on_both("hymio_bench_export", STORES, RATINGS, RATINGS, measure, days=DAYS)


if __name__ == "__main__":
    main()
