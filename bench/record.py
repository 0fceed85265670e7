"""``record()`` latency against a bare ``sqlite3`` insert + commit (SPEC §8: ≤ 1.5×).

Both write the same row shape into the same schema, with the same pragmas (WAL,
``synchronous=FULL``), in files side by side on the same disk, interleaved press by
press so disk and cache drift hit both alike. A second, informative baseline inserts
into a one-column table: the difference is what the schema's indexes cost.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from bench.common import BUSY, bench_dir, busy_cpu, device_of, median, percentile, row
from kiosk.store import database
from kiosk.store.store import Store
from tests.conftest import make_context

PRESSES = 2000


def bare_connection(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in database.PRAGMAS:
        conn.execute(pragma)
    return conn


def main() -> dict[str, float]:
    with bench_dir() as tmp:
        folder = Path(tmp)
        store = Store(folder / "store.db", make_context(repeat_window=0, thank_you=0))
        # The bare baseline: the same schema, made by the same migrations.
        Store(folder / "bare.db", make_context()).close()
        bare = bare_connection(folder / "bare.db")
        tiny = bare_connection(folder / "tiny.db")
        tiny.execute("CREATE TABLE t (x INTEGER)")
        sample = store.record(3, "button")
        values = list(sample.to_dict().values())
        cols = ", ".join(sample.to_dict())
        insert = f"INSERT INTO ratings ({cols}) VALUES ({', '.join('?' * len(values))})"  # noqa: S608
        ours, base, base_tiny = [], [], []
        with busy_cpu():  # HYMIO_BENCH_BUSY processes spinning meanwhile (default none)
            for i in range(PRESSES):
                t0 = time.perf_counter_ns()
                store.record(1 + i % 4, "button")
                t1 = time.perf_counter_ns()
                values[0], values[1] = i + 2, f"bare-{i}"
                bare.execute("BEGIN")
                bare.execute(insert, values)
                bare.execute("COMMIT")
                t2 = time.perf_counter_ns()
                tiny.execute("BEGIN")
                tiny.execute("INSERT INTO t (x) VALUES (?)", (i,))
                tiny.execute("COMMIT")
                t3 = time.perf_counter_ns()
                ours.append((t1 - t0) / 1e6)
                base.append((t2 - t1) / 1e6)
                base_tiny.append((t3 - t2) / 1e6)
        store.close()
        print(f"record(): {PRESSES} presses on {device_of(folder)}, {BUSY} process(es) spinning")
        figures = {
            "record_median_ms": median(ours),
            "record_p99_ms": percentile(ours, 99),
            "bare_median_ms": median(base),
            "bare_p99_ms": percentile(base, 99),
            "tiny_median_ms": median(base_tiny),
        }
        figures["ratio_median"] = figures["record_median_ms"] / figures["bare_median_ms"]
        figures["ratio_p99"] = figures["record_p99_ms"] / figures["bare_p99_ms"]
        row("record() median / p99", f"{median(ours):.3f} / {percentile(ours, 99):.3f} ms")
        bare = f"{median(base):.3f} / {percentile(base, 99):.3f} ms"
        row("bare insert+commit, same schema", bare)
        row("bare insert+commit, one-column table", f"{median(base_tiny):.3f} ms", "(informative)")
        row("ratio median (budget ≤ 1.5)", f"{figures['ratio_median']:.2f}×")
        row("ratio p99", f"{figures['ratio_p99']:.2f}×")
        return figures


if __name__ == "__main__":
    main()
