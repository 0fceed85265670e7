"""HQ ingest over HTTP against the fastest bare load of the same rows (SPEC §8, issue 20).

HQ runs as its own process (``hymio hq serve``, one worker) so the client's work does not
share its interpreter; the client sends pre-encoded batches of 1000 over one keep-alive
connection. The same bodies also go, the same way, to the bare app with the database
(:mod:`bench.bare_db_app`: HTTP, the token looked up, ``INSERT … ON CONFLICT DO NOTHING``
from the JSON, a commit per batch), the least an HQ keeping the contract's idempotency
does, on each database. The baseline loads the very same rows into a fresh database of the same
schema the fastest way the database has, with no HTTP, no validation, no duplicate check:
on PostgreSQL ``COPY`` (psycopg's binary-free text ``COPY … FROM STDIN``, one
transaction), on SQLite the driver's ``executemany`` in one transaction (a file on the
same disk). On PostgreSQL the same rows also go by ``COPY`` a batch at a time with a
commit each, what a server that makes every batch durable before it answers does at the
least. Three rounds, interleaved (bare, HQ, bare, HQ, …); min, median and max.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import requests
from uuid6 import uuid7

from bench.common import bench_dir, row
from hq.people.admin import add_device, add_store
from hq.tables.database import open_database
from kiosk.timekeeping.localtime import to_utc_text

RATINGS = int(os.environ.get("HYMIO_BENCH_INGEST", "100000"))
BATCH = 1000
PG = "postgresql://postgres@127.0.0.1:5432/postgres"


def ratings(
    n: int, device: str = "bench-k", store: str = "bench-s", first_seq: int = 1
) -> list[dict]:
    """*n* valid ratings of *device*, one a second from a day ago, ``seq`` from *first_seq*."""
    start = datetime.now(UTC) - timedelta(days=1)
    return [
        {
            "id": str(uuid7()),
            "device_id": device,
            "store_id": store,
            "seq": first_seq + i,
            "survey_id": "default",
            "question_id": "overall",
            "config_version": 1,
            "scale": "smiley4",
            "score": i % 4 + 1,
            "source": "button",
            "reason": None,
            "recorded_at": to_utc_text(start + timedelta(seconds=i)),
            "clock_synced": True,
            "database_id": "bench-db",
            "boot_id": "b00t",
            "mono_ns": i,
            "flag": None,
        }
        for i in range(n)
    ]


def prepare(url: str) -> str:
    engine, sessions = open_database(url)
    with sessions() as s:
        add_store(s, "bench-s", "Bench", "Europe/Helsinki", datetime.now(UTC))
        token = add_device(s, "bench-s", "bench-k", datetime.now(UTC))
    engine.dispose()
    return token


def over_http(url: str, rows: list[dict]) -> float:
    token = prepare(url)
    server, base = start_hq(url, "--rate-limit", "100000")
    try:
        return _post_all(base, token, rows)
    finally:
        server.terminate()
        server.wait(10)


def over_bare_http(url: str, rows: list[dict]) -> float:
    """The same bodies posted the same way to the bare app with the database
    (:mod:`bench.bare_db_app`, one uvicorn worker): HTTP, the token's device found, the
    rows inserted ``ON CONFLICT DO NOTHING`` and committed, per batch; what any HQ that
    keeps the contract's idempotency must do, and nothing more."""
    token = prepare(url)
    server, base = start_app(
        "bench.bare_db_app:app", url.replace("postgresql+psycopg", "postgresql")
    )  # a sqlite:/// URL as it is
    try:
        return _post_all(base, token, rows)
    finally:
        server.terminate()
        server.wait(10)


def _post_all(base: str, token: str, rows: list[dict]) -> float:
    """*rows* posted to *base* in batches of BATCH over one keep-alive connection; per second."""
    bodies = [
        json.dumps({"ratings": rows[i : i + BATCH]}).encode() for i in range(0, len(rows), BATCH)
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with requests.Session() as http:
        started = time.perf_counter()
        for body in bodies:
            answer = http.post(f"{base}/api/v1/ratings", data=body, headers=headers, timeout=60)
            answer.raise_for_status()
        elapsed = time.perf_counter() - started
    return len(rows) / elapsed


def start_app(app: str, database: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    """A bare ASGI *app* of the benches under uvicorn on a free loopback port, with
    *database* (a libpq URL) in ``HYMIO_BARE_DB``, once it accepts connections; the
    process and base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port),
               "--workers", str(workers), "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, env={**os.environ, "HYMIO_BARE_DB": database})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError(f"{app} did not start")


def start_hq(url: str, *options: str) -> tuple[subprocess.Popen, str]:
    """``hymio hq serve`` on *url* on a free loopback port, answering; the process and base URL."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "hymio", "hq", "serve", *options]
    # Its line at start on stdout is not a figure; what goes wrong comes on stderr.
    server = subprocess.Popen(
        [*command, "--database", url, "--port", str(port)], stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base)
    except BaseException:
        server.kill()
        raise
    return server, base


def _wait(base: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/healthz", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("hymio hq serve did not start")


def _bare_rows(rows: list[dict]) -> tuple[list[str], list[tuple]]:
    received = to_utc_text(datetime.now(UTC))
    return [*rows[0], "received_at"], [(*r.values(), received) for r in rows]


def bare_sqlite(url: str, path: Path, rows: list[dict]) -> float:
    prepare(url)
    names, values = _bare_rows(rows)
    marks = ", ".join("?" * len(names))
    sql = f"INSERT INTO ratings ({', '.join(names)}) VALUES ({marks})"  # noqa: S608 -- our columns
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    try:
        started = time.perf_counter()
        conn.executemany(sql, values)
        conn.commit()
        elapsed = time.perf_counter() - started
    finally:
        conn.close()
    return len(rows) / elapsed


def bare_copy(url: str, rows: list[dict], every: int | None = None) -> float:
    """*rows* by ``COPY`` into a fresh database of HQ's schema, per second: one ``COPY``
    and one commit, or with *every* a ``COPY`` and a commit per that many rows, what a
    server that makes each batch durable before it answers does at the least (no HTTP,
    no validation, no duplicate check)."""
    prepare(url)
    names, values = _bare_rows(rows)
    dsn = url.replace("postgresql+psycopg", "postgresql")
    sql = f"COPY ratings ({', '.join(names)}) FROM STDIN"
    step = every or max(len(values), 1)
    with psycopg.connect(dsn) as conn:
        started = time.perf_counter()
        for i in range(0, len(values), step):
            with conn.cursor() as cur, cur.copy(sql) as copy:
                for value in values[i : i + step]:
                    copy.write_row(value)
            conn.commit()
        elapsed = time.perf_counter() - started
    return len(rows) / elapsed


def _pg_db(name: str) -> str:
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _pg_drop(*names: str) -> None:
    with psycopg.connect(PG, autocommit=True) as conn:
        for name in names:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


ROUNDS = 3


def _spread(values: list[float]) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"min {low:,.0f} · median {mid:,.0f} · max {high:,.0f}"


def main() -> dict[str, float]:
    print(
        f"HQ ingest: {RATINGS} ratings in batches of {BATCH}, HTTP vs the fastest bare load,"
        f" {ROUNDS} rounds interleaved"
    )
    rows = ratings(RATINGS)
    figures = {}
    http, base, floor = [], [], []
    with bench_dir() as tmp:
        folder = Path(tmp)
        for i in range(ROUNDS):
            base.append(
                bare_sqlite(f"sqlite:///{folder / f'bare-{i}.db'}", folder / f"bare-{i}.db", rows)
            )
            floor.append(over_bare_http(f"sqlite:///{folder / f'floor-{i}.db'}", rows))
            http.append(over_http(f"sqlite:///{folder / f'http-{i}.db'}", rows))
    ratio = statistics.median(http) / statistics.median(base)
    figures.update(sqlite_http=statistics.median(http), sqlite_bare=statistics.median(base),
                   sqlite_floor=statistics.median(floor))  # fmt: skip
    row("SQLite over HTTP", f"{statistics.median(http):,.0f}/s", _spread(http))
    row(
        "SQLite bare executemany, one transaction",
        f"{statistics.median(base):,.0f}/s",
        _spread(base),
    )
    row("ratio HTTP / bare (medians)", f"{ratio:.2f}", "goal ≥ 0.5")
    _floor_rows(http, base, floor, "executemany")

    http, base, floor, batched = [], [], [], []
    names = ("hymio_bench_http", "hymio_bench_bare", "hymio_bench_floor", "hymio_bench_batched")
    try:
        for _ in range(ROUNDS):
            http_url, bare_url, floor_url, batched_url = (_pg_db(name) for name in names)
            base.append(bare_copy(bare_url, rows))
            batched.append(bare_copy(batched_url, rows, every=BATCH))
            floor.append(over_bare_http(floor_url, rows))
            http.append(over_http(http_url, rows))
    finally:
        _pg_drop(*names)
    ratio = statistics.median(http) / statistics.median(base)
    figures.update(pg_http=statistics.median(http), pg_bare=statistics.median(base),
                   pg_floor=statistics.median(floor),
                   pg_batched=statistics.median(batched))  # fmt: skip
    row("PostgreSQL over HTTP", f"{statistics.median(http):,.0f}/s", _spread(http))
    row("PostgreSQL bare COPY", f"{statistics.median(base):,.0f}/s", _spread(base))
    row("ratio HTTP / COPY (medians)", f"{ratio:.2f}", "goal ≥ 0.5")
    row(
        f"bare COPY, a commit every {BATCH}",
        f"{statistics.median(batched):,.0f}/s",
        _spread(batched) + "; HQ's ratio to it "
        f"{statistics.median(http) / statistics.median(batched):.2f}",
    )
    _floor_rows(http, base, floor, "COPY")
    return figures


def _floor_rows(http: list[float], base: list[float], floor: list[float], bare: str) -> None:
    """The rows of the bare app with the database: its rate, its ratio to the *bare* load,
    and HQ's ratio to it."""
    row(
        "bare app with the database over HTTP",
        f"{statistics.median(floor):,.0f}/s",
        _spread(floor) + f"; its ratio to {bare} "
        f"{statistics.median(floor) / statistics.median(base):.2f}",
    )
    row(
        "ratio HTTP / the bare app with the database",
        f"{statistics.median(http) / statistics.median(floor):.2f}",
        "what HQ adds: validation, the owner's check, the 409s, the kept counts",
    )


if __name__ == "__main__":
    main()
