"""Today's tally over 1 000 000 stored ratings (SPEC §8: ≤ 5 ms).

The million rows (about 1 370 a day for two years, every 20th flagged) are bulk-inserted
into a store's own schema; then today's counts per face (``day_counts``, what the staff
screen and ``hymio tally`` need first) and the whole tally (with the hours of the day
and the last 7 days) are timed. The baseline is a bare ``count(*)`` of today's rows.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import bench_dir, median, percentile, row
from kiosk.store.store import Store
from kiosk.tally import day_counts, tally
from kiosk.timekeeping.clock import ManualClock
from kiosk.timekeeping.localtime import day_bounds, to_utc_text
from tests.conftest import make_context

ROWS = 1_000_000
RUNS = 200


def fill(store: Store, now: datetime, rows: int) -> None:
    rng = random.Random(1)
    step = timedelta(days=730) / rows
    start = now - timedelta(days=730)
    batch = []
    with store.db.atomic():
        for seq in range(1, rows + 1):
            when = start + step * seq
            flag = "repeat" if seq % 20 == 0 else None
            batch.append(
                (seq, f"id-{seq}", "kiosk-1", "store-1", "default", "overall", 1, "smiley4",
                 rng.randint(1, 4), "button", to_utc_text(when), 1, "b", seq, flag)
            )  # fmt: skip
            if len(batch) == 20_000:
                _insert(store, batch)
                batch = []
        _insert(store, batch)


def _insert(store: Store, batch: list[tuple]) -> None:
    store.db.conn.executemany(
        "INSERT INTO ratings (seq, id, device_id, store_id, survey_id, question_id, "
        "config_version, scale, score, source, recorded_at, clock_synced, boot_id, mono_ns, "
        "flag) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        batch,
    )


def timed(fn, runs: int = RUNS) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1e6)
    return out


def main() -> dict[str, float]:
    now = datetime.now(UTC).replace(microsecond=0)
    with bench_dir() as tmp:
        clock = ManualClock(now)
        store = Store(Path(tmp) / "million.db", make_context(), clock=clock)
        t0 = time.perf_counter()
        fill(store, now, ROWS)
        filled = time.perf_counter() - t0
        today = now.astimezone(store.context.tz).date()
        lo, hi = (to_utc_text(t) for t in day_bounds(today, store.context.tz))
        today_rows = store.read(
            "SELECT count(*) FROM ratings WHERE recorded_at >= ? AND recorded_at < ?", (lo, hi)
        )[0][0]
        bare = timed(
            lambda: store.read(
                "SELECT count(*) FROM ratings WHERE recorded_at >= ? AND recorded_at < ?",
                (lo, hi),
            )
        )
        counts = timed(lambda: day_counts(store, today))
        whole = timed(lambda: tally(store, today, 7), runs=50)
        store.close()
    print(f"tally: {ROWS:,} ratings ({filled:.1f} s to fill), {today_rows} of them today")
    row("bare count(*) of today, median", f"{median(bare):.3f} ms")
    today = f"{median(counts):.3f} / {percentile(counts, 99):.3f} ms"
    row("today's counts per face, median / p99", today, "(budget ≤ 5 ms)")
    whole_text = f"{median(whole):.3f} / {percentile(whole, 99):.3f} ms"
    row("whole tally (hours, 7 days), median / p99", whole_text)
    row("ratio today's counts / bare count", f"{median(counts) / median(bare):.2f}×")
    return {"today_ms": median(counts), "tally_ms": median(whole), "bare_ms": median(bare)}


if __name__ == "__main__":
    main()
