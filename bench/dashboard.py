"""The dashboard at chain scale (issue 18): each page and report of a real ``hymio hq serve``
against the bare read of the rows it is made of, in one run.

A year of ratings for 500 stores and 20 000 kiosks (:mod:`bench.chain_data`: 10 M on
PostgreSQL, loaded with ``COPY`` after the migrations; 2 M on SQLite; two kiosks a store
sent them, the others are silent in the data but seen by HQ, one in fifty not for 3 hours).
Each page is fetched by a logged-in browser session over loopback; the bare read runs
straight on the database with its driver and reads the rows the page is made of: the kept
counts (``rating_days``, and ``rating_hours`` for a store's page) of the days the page
covers and compares with, the devices for the fleet, and for the month's export of all
stores the rows themselves (PostgreSQL ``COPY … TO STDOUT``, SQLite a plain ``SELECT``).
Three rounds, interleaved (bare, page, bare, page, …); min, median and max, and min,
median and max of each round's
ratio. :mod:`bench.stores_page` does the same for the all-stores and store pages in
process, on a chain of 1 000 stores' kept counts.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta

import psycopg
import requests

from bench.chain_data import PASSWORD, on_both
from bench.common import row
from bench.ingest import start_hq
from hq.people.admin import add_api_token
from hq.tables.database import open_database

PG_RATINGS = int(os.environ.get("HYMIO_BENCH_DASH_PG", "10000000"))
SQLITE_RATINGS = int(os.environ.get("HYMIO_BENCH_DASH_SQLITE", "2000000"))
STORES = int(os.environ.get("HYMIO_BENCH_DASH_STORES", "500"))
KIOSKS = int(os.environ.get("HYMIO_BENCH_DASH_KIOSKS", "20000"))
ROUNDS = 3
GOAL_MS = 200


def _since(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")


def cases(reader: str) -> list[tuple[str, str, list[tuple[str, tuple]]]]:
    """(name, page path, its bare reads: each a query and its parameters, ``%s`` marking a
    parameter). A page that reads the kept counts is compared with the driver reading the
    same rollup rows (issue 31): a GROUP BY over the raw ratings would hide the Python
    and templates around that read."""
    today = datetime.now(UTC).date()
    month = (today - timedelta(days=31), today - timedelta(days=1))
    d = lambda n: (today - timedelta(days=n)).isoformat()  # noqa: E731
    days = "SELECT * FROM rating_days WHERE store_id = %s AND day >= %s AND day <= %s"
    hours = "SELECT * FROM rating_hours WHERE store_id = %s AND day >= %s AND day <= %s"
    year = f"?from={today - timedelta(days=365)}&to={today}"
    return [
        ("all stores", "/",
         [("SELECT * FROM rating_days WHERE day >= %s AND day <= %s", (d(60), d(0)))]),
        ("a store, 30 days", "/stores/s0001",
         [(days, ("s0001", d(59), d(0))), (hours, ("s0001", d(29), d(0)))]),
        ("a store, a year", f"/stores/s0002{year}",
         [(days, ("s0002", d(731), d(0))), (hours, ("s0002", d(365), d(0)))]),
        ("the fleet", "/fleet",
         [("SELECT id, store_id, last_seen_at, last_status, version FROM devices", ())]),
        ("daily API, 30 days", "/api/v1/stores/s0003/daily", [(days, ("s0003", d(29), d(0)))]),
        ("export: a month, all stores (CSV)",
         f"/api/v1/export.csv?from={month[0]}&to={month[1]}",
         [("SELECT * FROM ratings WHERE recorded_at >= %s AND recorded_at < %s",
           (f"{month[0]}T00:00", f"{month[1]}T23:59"))]),
    ]  # fmt: skip


def _bare(url: str, reads: list[tuple[str, tuple]]) -> tuple[float, int]:
    """Seconds and rows (or bytes, for an export) of the bare reads, connection included."""
    started = time.perf_counter()
    n = 0
    if url.startswith("postgresql"):
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            for sql, params in reads:
                if sql.startswith("SELECT * FROM ratings"):
                    with conn.cursor().copy(f"COPY ({sql}) TO STDOUT", params) as copy:
                        for block in copy:
                            n += len(block)
                else:
                    n += len(conn.execute(sql, params).fetchall())
        return time.perf_counter() - started, n
    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        for sql, params in reads:
            n += sum(1 for _ in conn.execute(sql.replace("%s", "?"), params))
    finally:
        conn.close()
    return time.perf_counter() - started, n


def _page(http: requests.Session, base: str, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    size = 0
    with http.get(f"{base}{path}", stream=True, timeout=120) as answer:
        answer.raise_for_status()
        for chunk in answer.iter_content(65536):
            size += len(chunk)
    return time.perf_counter() - started, size


def _logged_in(base: str) -> requests.Session:
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    csrf = form.split('name="csrf" value="')[1].split('"')[0]
    data = {"username": "bench", "password": PASSWORD, "csrf": csrf}
    http.post(f"{base}/login", data=data, timeout=10).raise_for_status()
    return http


def measure(url: str, label: str) -> dict[str, float]:
    engine, sessions = open_database(url)
    with sessions() as s:
        reader = add_api_token(s, "bench", datetime.now(UTC))
    engine.dispose()
    server, base = start_hq(url, "--rate-limit", "100000")
    out = {}
    try:
        http = _logged_in(base)
        http.headers["Authorization"] = f"Bearer {reader}"  # for the API's read endpoints
        times = {name: ([], []) for name, *_ in cases(reader)}
        for _ in range(ROUNDS):
            for name, path, reads in cases(reader):
                times[name][0].append(_bare(url, reads)[0])
                times[name][1].append(_page(http, base, path)[0])
        print(f"  {label}: page (min · median · max) against the bare read of its rows")
        for name, (bare, page) in times.items():
            ratios = sorted(p / b for p, b in zip(page, bare, strict=True))
            spread = " · ".join(f"{f(page) * 1000:.0f}" for f in (min, statistics.median, max))
            each = " · ".join(f"{f(ratios):.2f}" for f in (min, statistics.median, max))
            note = f"bare {statistics.median(bare) * 1000:.0f} ms, {each}×"
            row(name, f"{spread} ms", note)
            out[name] = statistics.median(page)
    finally:
        server.terminate()
        server.wait(10)
    return out


def main() -> dict[str, dict[str, float]]:
    print(
        f"Dashboard at chain scale: {STORES} stores, {KIOSKS:,} kiosks, a year;"
        f" {PG_RATINGS:,} ratings on"
        f" PostgreSQL, {SQLITE_RATINGS:,} on SQLite; {ROUNDS} rounds interleaved;"
        f" goal: every page under {GOAL_MS} ms, the export within 1.5× of the bare query"
    )
    return on_both("hymio_bench_dash", STORES, PG_RATINGS, SQLITE_RATINGS, measure, kiosks=KIOSKS)


if __name__ == "__main__":
    main()
