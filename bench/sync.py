"""Sync: drain a backlog of 100 000 ratings to a local HQ (SPEC §8: ≤ 10 s).

The kiosk's store is filled first (not timed), then ``Uploader.run_once`` sends it to
``hymio hq serve`` (SQLite, its own process) on 127.0.0.1 and marks every batch synced.
The baseline posts the same ratings, already encoded, to a second fresh HQ with a bare
``requests`` loop: no reading from the store, no encoding, no marking.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.common import bench_dir, row
from bench.ingest import prepare, start_hq
from kiosk.clock import ManualClock
from kiosk.flags import FlagRules
from kiosk.rating import COLUMNS, Rating
from kiosk.scales import get_scale
from kiosk.store import RatingContext, Store
from sync.client import HQClient
from sync.uploader import Uploader
from sync.wire import batches

RATINGS = int(os.environ.get("HYMIO_BENCH_SYNC", "100000"))


def backlog(path: Path) -> Store:
    context = RatingContext(
        device_id="bench-k", store_id="bench-s", survey_id="default", question_id="overall",
        config_version=1, scale=get_scale("smiley4"), tz=UTC,
        rules=FlagRules(0.0, 0.0, 10.0, lambda _local: True),
    )  # fmt: skip
    clock = ManualClock(datetime.now(UTC) - timedelta(days=3))
    store = Store(path, context, clock=clock)
    with store.bulk():
        for i in range(RATINGS):
            clock.advance(1.0)
            store.record(i % 4 + 1, "button")
    return store


def drain(url: str, store: Store) -> tuple[float, int]:
    token = prepare(url)
    server, base = start_hq(url, "--rate-limit", "100000")
    try:
        up = Uploader(store, HQClient(base, token))
        started = time.perf_counter()
        outcome = up.run_once()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    if not outcome.ok or store.pending_count():
        raise RuntimeError(f"the drain did not finish: {outcome}")
    return elapsed, outcome.requests


def bare(url: str, store: Store) -> float:
    token = prepare(url)
    every = [Rating.from_row(r) for r in store.read(f"SELECT {COLUMNS} FROM ratings")]  # noqa: S608
    bodies = [b.body for b in batches(every)]
    server, base = start_hq(url, "--rate-limit", "100000")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        with requests.Session() as http:
            started = time.perf_counter()
            for body in bodies:
                http.post(f"{base}/api/v1/ratings", data=body, headers=headers, timeout=60)
            return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)


def main() -> dict[str, float]:
    print(f"Sync: drain a backlog of {RATINGS} ratings to HQ on 127.0.0.1 (SQLite)")
    with bench_dir() as tmp:
        folder = Path(tmp)
        with backlog(folder / "kiosk.db") as store:
            baseline = bare(f"sqlite:///{folder / 'bare.db'}", store)
            elapsed, count = drain(f"sqlite:///{folder / 'hq.db'}", store)
    row("drain with sync (read, send, mark synced)", f"{elapsed:.2f} s", "budget ≤ 10 s")
    row("HTTP requests", f"{count}", f"{RATINGS / count:,.0f} ratings each")
    row("bare POST of the same batches", f"{baseline:.2f} s")
    row("ratio sync / bare", f"{elapsed / baseline:.2f}")
    return {"sync_seconds": elapsed, "requests": count, "bare_seconds": baseline}


if __name__ == "__main__":
    main()
