"""The dashboard at chain scale (issue 18): each page and report of a real ``hymio hq serve``
against a bare query of the same figures over the raw ``ratings`` table, in one run.

A year of ratings for 500 stores (:mod:`bench.chain_data`: 10 M on PostgreSQL, loaded
with ``COPY`` after the migrations; 2 M on SQLite). Each page is fetched by a logged-in
browser session over loopback; the bare query runs straight on the database with its
driver: what the figures cost if counted from the rows (the all-stores page's 60 days of
every store, a store's counts per hour, a device's received ``seq``s), and for the month's
export of all stores the rows themselves (PostgreSQL ``COPY … TO STDOUT``, SQLite a plain
``SELECT``). Three rounds, interleaved (bare, page, bare, page, …); min, median and max.
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
ROUNDS = 3
GOAL_MS = 200


def _since(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="microseconds")


def cases(reader: str) -> list[tuple[str, str, str, tuple]]:
    """(name, page path, bare query, its parameters); ``%s`` marks a parameter."""
    today = datetime.now(UTC).date()
    month = (today - timedelta(days=31), today - timedelta(days=1))
    per_hour = (
        "SELECT substr(recorded_at, 1, 13), device_id, scale, score, flag, reason, count(*)"
        " FROM ratings WHERE store_id = %s AND recorded_at >= %s GROUP BY 1, 2, 3, 4, 5, 6"
    )
    year = f"?from={today - timedelta(days=365)}&to={today}"
    return [
        ("all stores", "/", "SELECT store_id, scale, score, flag, count(*) FROM ratings"
         " WHERE recorded_at >= %s GROUP BY 1, 2, 3, 4", (_since(60),)),
        ("a store, 30 days", "/stores/s0001", per_hour, ("s0001", _since(30))),
        ("a store, a year", f"/stores/s0002{year}", per_hour, ("s0002", _since(730))),
        ("the fleet", "/fleet", "SELECT device_id, database_id, count(*), max(seq),"
         " max(recorded_at) FROM ratings GROUP BY 1, 2", ()),
        ("daily API, 30 days", "/api/v1/stores/s0003/daily",
         "SELECT substr(recorded_at, 1, 10), scale, score, flag, count(*) FROM ratings"
         " WHERE store_id = %s AND recorded_at >= %s GROUP BY 1, 2, 3, 4", ("s0003", _since(30))),
        ("export: a month, all stores (CSV)",
         f"/api/v1/export.csv?from={month[0]}&to={month[1]}",
         "SELECT * FROM ratings WHERE recorded_at >= %s AND recorded_at < %s",
         (f"{month[0]}T00:00", f"{month[1]}T23:59")),
    ]  # fmt: skip


def _bare(url: str, sql: str, params: tuple) -> tuple[float, int]:
    """Seconds and rows (or bytes, for an export) of the bare query, connection included."""
    started = time.perf_counter()
    if url.startswith("postgresql"):
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
            if sql.startswith("SELECT *"):
                size = 0
                with conn.cursor().copy(f"COPY ({sql}) TO STDOUT", params) as copy:
                    for block in copy:
                        size += len(block)
                return time.perf_counter() - started, size
            n = len(conn.execute(sql, params).fetchall())
    else:
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            n = sum(1 for _ in conn.execute(sql.replace("%s", "?"), params))
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
            for name, path, sql, params in cases(reader):
                times[name][0].append(_bare(url, sql, params)[0])
                times[name][1].append(_page(http, base, path)[0])
        print(f"  {label}: page (min · median · max) against the bare query of the same figures")
        for name, (bare, page) in times.items():
            ratio = statistics.median(page) / statistics.median(bare)
            spread = " · ".join(f"{f(page) * 1000:.0f}" for f in (min, statistics.median, max))
            note = f"bare {statistics.median(bare) * 1000:.0f} ms, {ratio:.2f}×"
            row(name, f"{spread} ms", note)
            out[name] = statistics.median(page)
    finally:
        server.terminate()
        server.wait(10)
    return out


def main() -> dict[str, dict[str, float]]:
    print(
        f"Dashboard at chain scale: {STORES} stores, a year; {PG_RATINGS:,} ratings on"
        f" PostgreSQL, {SQLITE_RATINGS:,} on SQLite; {ROUNDS} rounds interleaved;"
        f" goal: every page under {GOAL_MS} ms, the export within 1.5× of the bare query"
    )
    return on_both("hymio_bench_dash", STORES, PG_RATINGS, SQLITE_RATINGS, measure)


if __name__ == "__main__":
    main()
