"""A bounded loopback load on HQ: 2 000 simulated kiosks posting small batches and heartbeats.

Each simulated device sends a batch of a few ratings, then a heartbeat, a fixed number of
rounds, from a pool of client threads over keep-alive connections; HQ runs as its own
process (``hymio hq serve``). Prints the requests per second held, the latency
percentiles, and HQ's own CPU time per request (from ``/proc``), which says what a core
can carry whatever the client costs: the client shares the machine's two cores with the
server, so the rate held is a floor, not a ceiling. Bounded: it stops after
``DEVICES × ROUNDS × 2`` requests.
"""

from __future__ import annotations

import json
import os
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import requests

from bench.common import bench_dir, median, percentile, row
from bench.ingest import PG, ratings, start_hq
from hq.credentials import new_token, token_hash
from hq.db import open_database
from hq.models import Device, Store
from kiosk.localtime import to_utc_text

DEVICES = int(os.environ.get("HYMIO_BENCH_DEVICES", "2000"))
ROUNDS = 2
PER_BATCH = 5
THREADS = 32


def enrol(url: str) -> list[tuple[str, str]]:
    """Make 20 stores and DEVICES devices; their (id, token)."""
    engine, sessions = open_database(url)
    now = to_utc_text(datetime.now(UTC))
    fleet = [(f"k{i:05d}", new_token()) for i in range(DEVICES)]
    with sessions() as s:
        s.add_all(
            Store(id=f"s{i:02d}", name=f"Store {i}", timezone="Europe/Helsinki", created_at=now)
            for i in range(20)
        )
        s.flush()
        s.add_all(
            Device(id=d, store_id=f"s{i % 20:02d}", token_hash=token_hash(t), created_at=now)
            for i, (d, t) in enumerate(fleet)
        )
        s.commit()
    engine.dispose()
    return fleet


def batch(i: int, device: str, round_: int) -> bytes:
    """Round *round_*'s batch of device number *i*."""
    rows = ratings(PER_BATCH, device, f"s{i % 20:02d}", first_seq=round_ * PER_BATCH + 1)
    return json.dumps({"ratings": rows}).encode()


def load(base: str, fleet: list[tuple[str, str]]) -> tuple[float, list[float], int]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def worker(part: list[tuple[int, str, str]]) -> None:
        nonlocal failures
        mine, bad = [], 0
        with requests.Session() as http:
            for round_ in range(ROUNDS):
                for i, device, token in part:
                    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
                    for path, body in (
                        ("/api/v1/ratings", batch(i, device, round_)),
                        ("/api/v1/heartbeat", b'{"pending": 0}'),
                    ):
                        t = time.perf_counter()
                        answer = http.post(base + path, data=body, headers=auth, timeout=30)
                        mine.append(time.perf_counter() - t)
                        bad += answer.status_code != 200
        with lock:
            latencies.extend(mine)
            failures += bad

    numbered = [(i, d, t) for i, (d, t) in enumerate(fleet)]
    threads = [
        threading.Thread(target=worker, args=(numbered[k::THREADS],)) for k in range(THREADS)
    ]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, latencies, failures


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of process *pid* and its direct children (the workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def run(url: str, label: str, workers: int) -> None:
    fleet = enrol(url)
    server, base = start_hq(url, "--workers", str(workers))
    try:
        cpu = cpu_seconds(server.pid)
        elapsed, lat, failures = load(base, fleet)
        cpu = cpu_seconds(server.pid) - cpu
    finally:
        server.terminate()
        server.wait(10)
    n = len(lat)
    row(f"{label}: requests", f"{n}", f"{failures} not 200")
    row(
        f"{label}: held",
        f"{n / elapsed:,.0f} req/s",
        f"{n * PER_BATCH / 2 / elapsed:,.0f} ratings/s",
    )
    row(
        f"{label}: HQ CPU per request",
        f"{cpu / n * 1000:.2f} ms",
        "(capacity ≈ 1000 / this per core)",
    )
    row(
        f"{label}: latency median / p99",
        f"{median(lat) * 1000:.1f} / {percentile(lat, 99) * 1000:.1f} ms",
    )


def main() -> None:
    print(
        f"HQ fleet load: {DEVICES} devices × {ROUNDS} rounds of a {PER_BATCH}-rating batch"
        f" and a heartbeat, {THREADS} client threads"
    )
    with bench_dir() as tmp:
        run(f"sqlite:///{Path(tmp) / 'fleet.db'}", "SQLite, 1 worker", 1)
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS hymio_bench_fleet WITH (FORCE)")
        conn.execute("CREATE DATABASE hymio_bench_fleet")
    try:
        run(
            "postgresql+psycopg://postgres@127.0.0.1:5432/hymio_bench_fleet",
            "PostgreSQL, 2 workers",
            2,
        )
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS hymio_bench_fleet WITH (FORCE)")


if __name__ == "__main__":
    main()
