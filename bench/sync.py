"""Sync: drain a backlog of 100 000 ratings to a local HQ (SPEC §8: ≤ 10 s).

The kiosk's store is filled first (not timed), then ``Uploader.run_once`` sends it to
``hymio hq serve`` (SQLite, its own process) on 127.0.0.1 and marks every batch synced.
Sync gzips its batches once HQ has said it takes gzip, so the baseline posts the same
batches, already encoded and gzipped, to another fresh HQ with a bare ``requests`` loop:
no reading from the store, no encoding, no compressing, no marking. Three rounds,
interleaved (bare, sync, bare, sync, …), each on a fresh HQ database and a fresh copy of
the backlog; min, median and max are printed, and the ratio of the medians. Also the bytes
the drain puts on the wire with gzip and without (on a 10 Mbit/s shop uplink, the time).
"""

from __future__ import annotations

import gzip
import os
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from bench.common import bench_dir, row
from bench.ingest import prepare, start_hq
from kiosk.counting.flags import FlagRules
from kiosk.counting.scales import get_scale
from kiosk.rating import COLUMNS, Rating
from kiosk.store.context import RatingContext
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from sync.client import GZIP_LEVEL, HQClient
from sync.uploader import Uploader
from sync.wire import batches

RATINGS = int(os.environ.get("HYMIO_BENCH_SYNC", "100000"))


def _context() -> RatingContext:
    return RatingContext(
        device_id="bench-k", store_id="bench-s", survey_id="default", question_id="overall",
        config_version=1, scale=get_scale("smiley4"), tz=UTC,
        rules=FlagRules(0.0, 0.0, 10.0, lambda _local: True),
    )  # fmt: skip


def backlog(path: Path) -> Store:
    clock = ManualClock(datetime.now(UTC) - timedelta(days=3))
    store = Store(path, _context(), clock=clock)
    with store.bulk():
        for i in range(RATINGS):
            clock.advance(1.0)
            store.record(i % 4 + 1, "button")
    return store


def drain(url: str, store: Store) -> tuple[float, int]:
    token = prepare(url)
    server, base = start_hq(url, "--rate-limit", "100000")
    try:
        client = HQClient(base, token)  # HQ's first answer says it takes gzip
        up = Uploader(store, client)
        started = time.perf_counter()
        outcome = up.run_once()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)
    if not outcome.ok or store.pending_count() or not client.gzip:
        raise RuntimeError(f"the drain did not finish, or not with gzip: {outcome}")
    return elapsed, outcome.requests


def bodies(store: Store) -> list[bytes]:
    every = [Rating.from_row(r) for r in store.read(f"SELECT {COLUMNS} FROM ratings")]  # noqa: S608
    return [b.body for b in batches(every)]


def bare(url: str, store: Store) -> float:
    token = prepare(url)
    packed = [gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0) for body in bodies(store)]
    server, base = start_hq(url, "--rate-limit", "100000")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
               "Content-Encoding": "gzip"}  # fmt: skip
    try:
        with requests.Session() as http:
            started = time.perf_counter()
            for body in packed:
                answer = http.post(f"{base}/api/v1/ratings", data=body, headers=headers, timeout=60)
                answer.raise_for_status()
            return time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(10)


ROUNDS = 3


def main() -> dict[str, float]:
    print(f"Sync: drain a backlog of {RATINGS} ratings to HQ on 127.0.0.1 (SQLite)")
    with bench_dir() as tmp:
        folder = Path(tmp)
        backlog(folder / "kiosk.db").close()
        with Store(folder / "kiosk.db", _context(), clock=ManualClock(datetime.now(UTC))) as s:
            plain = bodies(s)
        wire = sum(len(b) for b in plain)
        packed = sum(len(gzip.compress(b, compresslevel=GZIP_LEVEL, mtime=0)) for b in plain)
        bares, syncs, counts = [], [], []
        for i in range(ROUNDS):
            copy = folder / f"kiosk-{i}.db"
            shutil.copyfile(folder / "kiosk.db", copy)
            with Store(copy, _context(), clock=ManualClock(datetime.now(UTC))) as store:
                bares.append(bare(f"sqlite:///{folder / f'bare-{i}.db'}", store))
                elapsed, count = drain(f"sqlite:///{folder / f'hq-{i}.db'}", store)
            syncs.append(elapsed)
            counts.append(count)
    spread = "min {:.2f} · median {:.2f} · max {:.2f} s"
    ratio = statistics.median(syncs) / statistics.median(bares)
    budget = " · budget ≤ 10 s"
    row("drain with sync (read, send, mark synced)", f"{statistics.median(syncs):.2f} s",
        spread.format(min(syncs), statistics.median(syncs), max(syncs)) + budget)  # fmt: skip
    row("HTTP requests", f"{counts[0]}", f"{RATINGS / counts[0]:,.0f} ratings each")
    row("bare POST of the same batches", f"{statistics.median(bares):.2f} s",
        spread.format(min(bares), statistics.median(bares), max(bares)))  # fmt: skip
    row("ratio sync / bare (medians)", f"{ratio:.2f}", "budget ≤ 1.2")
    uplink = 10e6 / 8  # bytes per second of a 10 Mbit/s uplink
    row("bytes on the wire, plain", f"{wire / 1e6:.1f} MB", f"{wire / uplink:.1f} s at 10 Mbit/s")
    row("bytes on the wire, gzip (level 1)", f"{packed / 1e6:.1f} MB",
        f"{packed / uplink:.1f} s at 10 Mbit/s · {wire / packed:.1f}× smaller")  # fmt: skip
    return {
        "wire_plain": wire,
        "wire_gzip": packed,
        "sync_seconds": statistics.median(syncs),
        "requests": counts[0],
        "bare_seconds": statistics.median(bares),
    }


if __name__ == "__main__":
    main()
