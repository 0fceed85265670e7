"""Pin edge → row committed, against a bare ``sqlite3`` insert + commit (SPEC §8: ≤ 1.5×).

The edge is a falling edge on a gpiozero mock pin, so the measured path is the real one:
gpiozero's callback, our debounce, ``Store.record`` with its flag rule and commit. The
commit moment is taken inside the store (a subclass that notes the time when ``record``
returns); the LED and the listener come after it and are shown separately. The baseline
inserts the same row shape into the same schema with the same pragmas (WAL,
``synchronous=FULL``), on the same disk, interleaved press by press.
"""

from __future__ import annotations

import time
from pathlib import Path

from gpiozero.pins.mock import MockFactory

from bench.common import BUSY, bench_dir, busy_cpu, device_of, median, percentile, row
from bench.record import bare_connection
from hardware.panel import ButtonPanel
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from tests.conftest import make_context

PRESSES = 2000
BUTTONS, LEDS = (5, 6, 13, 19), (17, 27, 22, 23)


class TimedStore(Store):
    """The store, noting when each record() has committed."""

    committed_ns = 0

    def record(self, *args, **kwargs):
        rating = super().record(*args, **kwargs)
        self.committed_ns = time.perf_counter_ns()
        return rating


def main() -> dict[str, float]:
    with bench_dir() as tmp:
        folder = Path(tmp)
        clock = ManualClock()
        store = TimedStore(folder / "store.db", make_context(), clock=clock)
        Store(folder / "bare.db", make_context()).close()
        bare = bare_connection(folder / "bare.db")
        factory = MockFactory()
        panel = ButtonPanel(store, BUTTONS, LEDS, pin_factory=factory, debounce_ms=0)
        sample = store.record(3, "button")
        values = list(sample.to_dict().values())
        cols = ", ".join(sample.to_dict())
        insert = f"INSERT INTO ratings ({cols}) VALUES ({', '.join('?' * len(values))})"  # noqa: S608
        commit, lit, base = [], [], []
        with busy_cpu():  # HYMIO_BENCH_BUSY processes spinning meanwhile (default none)
            for i in range(PRESSES):
                clock.advance(60)
                pin = factory.pin(BUTTONS[i % 4])
                t0 = time.perf_counter_ns()
                pin.drive_low()
                t1 = time.perf_counter_ns()
                pin.drive_high()
                values[0], values[1] = i + 2, f"bare-{i}"
                t2 = time.perf_counter_ns()
                bare.execute("BEGIN")
                bare.execute(insert, values)
                bare.execute("COMMIT")
                t3 = time.perf_counter_ns()
                commit.append((store.committed_ns - t0) / 1e6)
                lit.append((t1 - t0) / 1e6)
                base.append((t3 - t2) / 1e6)
        panel.close()
        factory.close()
        store.close()
        print(
            f"pin edge → commit: {PRESSES} presses on mock pins, files on {device_of(folder)},"
            f" {BUSY} process(es) spinning"
        )
    figures = {
        "commit_median_ms": median(commit),
        "commit_p99_ms": percentile(commit, 99),
        "bare_median_ms": median(base),
        "bare_p99_ms": percentile(base, 99),
        "ratio_median": median(commit) / median(base),
        "ratio_p99": percentile(commit, 99) / percentile(base, 99),
    }
    row("edge → committed, median / p99", f"{median(commit):.3f} / {percentile(commit, 99):.3f} ms")
    row("edge → LED lit, median / p99", f"{median(lit):.3f} / {percentile(lit, 99):.3f} ms")
    row("bare insert+commit, median / p99", f"{median(base):.3f} / {percentile(base, 99):.3f} ms")
    row("ratio median (budget ≤ 1.5)", f"{figures['ratio_median']:.2f}×")
    row("ratio p99", f"{figures['ratio_p99']:.2f}×")
    return figures


if __name__ == "__main__":
    main()
