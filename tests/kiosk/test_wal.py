"""A long-lived reader must not starve WAL checkpoints: the -wal file stays bounded.

The sync process and the staff screen keep their connections open for days. As long as
each read finishes (the store never leaves a cursor half-read), checkpoints can restart
the WAL and ``journal_size_limit`` truncates it. The control case shows the test would
catch the mistake: a reader that keeps one read transaction open lets the WAL grow.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.store.store import Store
from tests.conftest import make_context

ROOT = Path(__file__).resolve().parents[2]
BOUND = 6 * 1024 * 1024  # journal_size_limit (4 MiB) plus one autocheckpoint's growth
PRESSES = 1500

READER = textwrap.dedent(
    """
    import sys, time
    from kiosk.store.store import Store
    from tests.conftest import make_context
    store = Store(sys.argv[1], make_context(), readonly=True)
    hold = sys.argv[2] == "hold"
    if hold:  # the mistake: a read transaction left open
        store.db.conn.execute("BEGIN")
        store.read("SELECT count(*) FROM ratings")
    print("reading", flush=True)
    while True:
        if not hold:
            store.read("SELECT scale, score, count(*) FROM ratings GROUP BY 1, 2")
        time.sleep(0.005)
    """
)


def largest_wal(db: Path, mode: str, clock) -> int:
    with Store(db, make_context(), clock=clock) as store:
        store.record(1, "touch")
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(db), mode],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert reader.stdout.readline() == "reading\n"
            largest = 0
            for i in range(PRESSES):
                clock.advance(60)
                store.record(1 + i % 4, "button")
                largest = max(largest, Path(f"{db}-wal").stat().st_size)
            assert reader.poll() is None, "the reader died"
        finally:
            reader.kill()
            reader.wait()
    return largest


@pytest.mark.slow
def test_wal_stays_bounded_with_a_long_lived_reader(db_path, clock):
    assert largest_wal(db_path, "poll", clock) < BOUND


@pytest.mark.slow
def test_control_a_reader_holding_a_transaction_would_be_caught(db_path, clock):
    assert largest_wal(db_path, "hold", clock) > BOUND
