"""No acknowledged press is lost to ``kill -9`` (SPEC §6)."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_and_kill(db: Path, seconds: float) -> list[tuple[str, int]]:
    """Start a recorder, SIGKILL it after *seconds*; return the (id, seq) it printed."""
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.recorder", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    # Wait until it is really writing, then kill it at a random moment.
    first = child.stdout.readline()
    assert first, "the recorder printed nothing"
    time.sleep(seconds)
    child.send_signal(signal.SIGKILL)
    rest, _ = child.communicate(timeout=10)
    assert child.returncode == -signal.SIGKILL
    lines = [first, *rest.splitlines(keepends=True)]
    # A line cut off by the kill was never fully acknowledged: only whole lines count.
    acked = [line.split() for line in lines if line.endswith("\n")]
    return [(rid, int(seq)) for rid, seq in acked]


def test_every_acknowledged_press_survives_kill_9(tmp_path):
    db = tmp_path / "ratings.db"
    rng = random.Random(20261122)
    acknowledged: list[tuple[str, int]] = []
    for _ in range(6):
        acknowledged += run_and_kill(db, rng.uniform(0.05, 0.6))
    assert len(acknowledged) > 50, "too few presses to prove anything"

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    stored = dict(conn.execute("SELECT id, seq FROM ratings").fetchall())
    missing = [rid for rid, _ in acknowledged if rid not in stored]
    assert missing == []
    assert all(stored[rid] == seq for rid, seq in acknowledged)
    # Rows committed but not yet printed may exist; seq still has no gap.
    seqs = sorted(stored.values())
    assert seqs == list(range(1, len(seqs) + 1))
