"""SD-card writes: bytes a press costs, and bytes an idle kiosk writes in a day (SPEC §8:
≤ 1 MB a day with nothing pressed and nothing to send).

Measured from ``/proc/self/io``: ``write_bytes`` (pages dirtied for the disk, what an SD
card is asked to store) and ``wchar`` (bytes passed to write()). A press is
``Store.record`` against a bare ``sqlite3`` insert + commit of the same row into the same
schema (its indexes too) with the same pragmas, interleaved. The idle day is the sync
process's rounds with nothing to send (an upload a minute, a heartbeat every 5 minutes, a
settings pull every 10) against
``hymio hq serve`` on 127.0.0.1, each kind measured over many rounds and scaled to a day.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from bench.common import bench_dir, row
from bench.ingest import prepare, start_hq
from bench.record import bare_connection
from kiosk.settings.load import parse_settings
from kiosk.store import schema
from kiosk.store.context import RatingContext
from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from sync.client import HQClient
from sync.config_pull import pull_config
from sync.heartbeat import send_heartbeat
from sync.uploader import Uploader

PRESSES = 300
ROUNDS = 3
DAY = {"upload": 24 * 60, "heartbeat": 24 * 12, "config": 24 * 6}  # default intervals
BARE_INSERT = (
    "INSERT INTO ratings (seq, id, device_id, store_id, survey_id, question_id, "
    "config_version, scale, score, source, recorded_at, clock_synced, boot_id, mono_ns, "
    "database_id) VALUES (?, ?, 'bench-k', 'bench-s', 'default', 'overall', 1, 'smiley4', "
    "3, 'button', ?, 1, 'boot', ?, 'db')"
)


def written() -> tuple[int, int]:
    """(write_bytes, wchar) of this process so far."""
    fields = dict(
        line.split(": ") for line in Path("/proc/self/io").read_text().splitlines() if line
    )
    return int(fields["write_bytes"]), int(fields["wchar"])


def measure(action, n: int) -> tuple[float, float]:
    """Bytes per call of *action* (write_bytes, wchar), over *n* calls."""
    os.sync()
    before = written()
    for i in range(n):
        action(i)
    os.sync()
    after = written()
    return (after[0] - before[0]) / n, (after[1] - before[1]) / n


def settings(folder: Path, url: str, token: str):
    return parse_settings(
        {
            "device": {"id": "bench-k", "store_id": "bench-s"},
            "hq": {"url": url, "token": token},
            "storage": {"path": str(folder / "kiosk.db")},
        },
        folder / "kiosk.toml",
    )


def presses(folder: Path) -> tuple[list, list]:
    ours, bare = [], []
    ctx = RatingContext.from_settings(settings(folder, "http://x", "t"))
    clock = ManualClock(datetime.now(UTC) - timedelta(days=1))
    with Store(folder / "press.db", ctx, clock=clock) as store:
        conn = bare_connection(folder / "bare.db")
        schema.upgrade(Database(conn))  # the same tables and indexes, written bare
        seq = iter(range(1, 10**9))

        def record(_i):
            clock.advance(10)
            store.record(3, "button")

        def insert(_i):
            n = next(seq)
            conn.execute(BARE_INSERT, (n, f"id-{n}", datetime.now(UTC).isoformat(), n))

        for _ in range(ROUNDS):
            bare.append(measure(insert, PRESSES))
            ours.append(measure(record, PRESSES))
        conn.close()
    return ours, bare


def idle(folder: Path) -> dict[str, tuple[float, float]]:
    url = f"sqlite:///{folder / 'hq.db'}"
    token = prepare(url)
    server, base = start_hq(url, "--rate-limit", "100000")
    try:
        s = settings(folder, base, token)
        clock = ManualClock(datetime.now(UTC) - timedelta(hours=1))
        with Store(s.storage.path, RatingContext.from_settings(s), clock=clock) as store:
            for _ in range(20):
                clock.advance(10)
                store.record(2, "touch")
            client = HQClient(base, token)
            up, ledger = Uploader(store, client), Ledger(store)
            up.run_once()  # everything sent: from here on the kiosk is idle
            send_heartbeat(ledger, client, up.databases)
            pull_config(s, ledger, client)
            time.sleep(0.1)
            result = {
                "upload": measure(lambda _i: up.run_once(), 60),
                "heartbeat": measure(lambda _i: send_heartbeat(ledger, client, up.databases), 30),
                "config": measure(lambda _i: pull_config(s, ledger, client), 30),
            }
            up.close()
            client.close()
            return result
    finally:
        server.terminate()
        server.wait(10)


def main() -> dict[str, float]:
    print(f"SD-card writes: {PRESSES} presses × {ROUNDS} rounds; an idle sync day")
    with bench_dir() as tmp:
        folder = Path(tmp)
        ours, bare = presses(folder)
        rounds = idle(folder)
    press = statistics.median(w for w, _ in ours)
    base = statistics.median(w for w, _ in bare)
    row("bytes dirtied per press (write_bytes)", f"{press:,.0f} B",
        f"min {min(w for w, _ in ours):,.0f} · max {max(w for w, _ in ours):,.0f}")  # fmt: skip
    row("bare insert + commit, same pragmas", f"{base:,.0f} B",
        f"min {min(w for w, _ in bare):,.0f} · max {max(w for w, _ in bare):,.0f}")  # fmt: skip
    row("ratio per press", f"{press / base:.2f}×" if base else "–")
    day = 0.0
    for kind, (dirtied, chars) in rounds.items():
        day += dirtied * DAY[kind]
        row(f"idle {kind} round: dirtied / write()", f"{dirtied:,.0f} B", f"{chars:,.0f} B written")
    row("idle day of sync (default intervals)", f"{day / 1e6:.3f} MB", "budget ≤ 1 MB")
    return {"press_bytes": press, "bare_press_bytes": base, "idle_day_bytes": day}


if __name__ == "__main__":
    main()
