"""Property: for any interleaving of presses, uploads, lost answers, refusals by a proxy,
clock changes, reboots, restarts, re-imaged cards and damaged files, HQ ends with exactly
the ratings the kiosk acknowledged, one version of each, and nothing missing or held.

Each example is a new device of a real HQ process, with its own kiosk folder.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hq.people.admin import add_device
from kiosk.store import salvage
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from sync.databases import Databases
from tests.conftest import make_context
from tests.sync.conftest import uploader
from tests.sync.middlebox import Middlebox
from tests.sync.test_nothing_held import ANSWERS
from tests.sync.whole import assert_whole, drain, heartbeat

OPS = st.one_of(
    st.tuples(st.just("press"), st.integers(1, 25), st.booleans()),
    st.tuples(st.just("upload")),
    st.tuples(st.just("lost")),
    st.tuples(st.just("refuse"), st.sampled_from(sorted(ANSWERS))),
    st.tuples(st.just("unsync")),
    st.tuples(st.just("sync"), st.integers(-48, 72)),  # NTP may find it days off
    st.tuples(st.just("reboot")),
    st.tuples(st.just("restart")),
    st.tuples(st.just("heartbeat")),
    st.tuples(st.just("damage"), st.booleans()),
    st.tuples(st.just("reimage")),
    st.tuples(st.just("snapshot")),
    st.tuples(st.just("rollback")),
)
DEVICES = itertools.count(1)


class Kiosk:
    """One device's kiosk: its store file, its clock, what it has acknowledged."""

    def __init__(self, folder: Path, device: str):
        self.path = folder / "ratings.db"
        self.context = dataclasses.replace(make_context(device_id=device), store_id="s1")
        self.clock = ManualClock(datetime.now(UTC) - timedelta(days=1))
        self.store = Store(self.path, self.context, clock=self.clock)
        self.acknowledged: set[str] = set()
        self.snapshot: dict[str, bytes] | None = None

    def reopen(self) -> None:
        self.store.close()
        self.store = Store(self.path, self.context, clock=self.clock)

    def press(self, n: int, followup: bool) -> None:
        for _ in range(n):
            self.clock.advance(7)
            rating = self.store.record(2, "touch", followup_seconds=5 if followup else None)
            self.acknowledged.add(rating.id)

    def everything_final(self) -> bool:
        """Every rating of every database here has reached HQ."""
        databases = Databases(self.store)
        try:
            return not any(
                s.read("SELECT 1 FROM ratings WHERE synced_at IS NULL") for s in databases.all()
            )
        finally:
            databases.close()


@given(st.lists(OPS, min_size=1, max_size=14))
# The races the issue found, always tried: a repair after a lost answer; a damaged file
# after a lost answer; a re-imaged card; a proxy's refusal, then a reboot.
@example([("unsync",), ("press", 5, False), ("lost",), ("sync", 2)])
@example([("sync", 60), ("press", 5, False), ("upload",), ("sync", -60)])
@example([("press", 9, True), ("lost",), ("damage", True), ("press", 3, False)])
@example([("press", 4, False), ("upload",), ("reimage",), ("press", 4, False)])
@example([("press", 6, False), ("refuse", "html 400"), ("heartbeat",), ("reboot",)])
@example([("snapshot",), ("press", 5, False), ("upload",), ("rollback",), ("press", 7, False)])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_interleaving_ends_with_hq_holding_exactly_what_was_acknowledged(
    hq_process, tmp_path, ops
):
    device = f"p{next(DEVICES)}"
    with hq_process.sessions() as s:
        token = add_device(s, "s1", device, datetime.now(UTC))
    kiosk = Kiosk(tmp_path / device, device)
    with Middlebox(hq_process.url) as box:
        try:
            for op in ops:
                run(op, kiosk, box, hq_process, token)
            # Then everything settles: the proxy is fixed, NTP runs, the follow-ups close.
            box.answer = None
            kiosk.clock.synced = True
            kiosk.clock.advance(60)
            drain(kiosk.store, hq_process.url, token)
            heartbeat(kiosk.store, hq_process, token)
            assert_whole(hq_process, kiosk.acknowledged, kiosk.path, device)
        finally:
            kiosk.store.close()


def run(op: tuple, kiosk: Kiosk, box: Middlebox, hq, token: str) -> None:
    name, *args = op
    clock = kiosk.clock
    if name == "press":
        kiosk.press(*args)
    elif name in ("upload", "lost", "refuse"):
        box.answer = ANSWERS[args[0]] if name == "refuse" else None
        box.cut_after = 1 if name == "lost" else 0
        up = uploader(kiosk.store, box.url, token)
        up.run_once()
        up.close()
        box.answer, box.cut_after = None, 0
    elif name == "unsync":
        clock.synced = False
    elif name == "sync":
        clock.wall += timedelta(hours=args[0])  # NTP steps the clock, maybe far
        clock.synced = True
    elif name == "reboot":
        clock.boot, clock.mono = str(uuid.uuid4()), 1_000_000_000
        kiosk.reopen()
    elif name == "restart":
        kiosk.reopen()
    elif name == "heartbeat":
        heartbeat(kiosk.store, hq, token)
    elif name == "damage":
        power_cut(kiosk)
        with open(kiosk.path, "r+b") as f:
            f.write(os.urandom(100))
        wal = Path(f"{kiosk.path}-wal")
        if args[0] and wal.exists() and wal.stat().st_size >= 32:
            with open(wal, "r+b") as f:
                f.write(os.urandom(32))
        kiosk.store = Store(kiosk.path, kiosk.context, clock=kiosk.clock)
    elif name == "snapshot":  # a read-only overlay is turned on: this is what stays
        kiosk.reopen()
        kiosk.snapshot = files(kiosk.path)
    elif name == "rollback" and kiosk.snapshot is not None and kiosk.everything_final():
        # The overlay drops every write at reboot; only once everything reached HQ, or
        # the press was lost for good (the overlay's harm, which doctor names).
        kiosk.store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{kiosk.path}{suffix}").unlink(missing_ok=True)
        for suffix, data in kiosk.snapshot.items():
            Path(f"{kiosk.path}{suffix}").write_bytes(data)
        clock.boot, clock.mono = str(uuid.uuid4()), 1_000_000_000
        kiosk.store = Store(kiosk.path, kiosk.context, clock=kiosk.clock)
    elif name == "reimage" and kiosk.everything_final():
        # Only once everything reached HQ: a card re-imaged earlier loses what was on it.
        kiosk.store.close()
        for path in [kiosk.path, *salvage.archives(kiosk.path)]:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        kiosk.store = Store(kiosk.path, kiosk.context, clock=kiosk.clock)


def files(path: Path) -> dict[str, bytes]:
    """The store file and its WAL as they are on disk."""
    return {s: Path(f"{path}{s}").read_bytes() for s in ("", "-wal") if Path(f"{path}{s}").exists()}


def power_cut(kiosk: Kiosk) -> None:
    """Stop as a power cut would: the file and its WAL as they are on disk, no checkpoint."""
    left = {
        s: Path(f"{kiosk.path}{s}").read_bytes()
        for s in ("", "-wal")
        if Path(f"{kiosk.path}{s}").exists()
    }
    kiosk.store.close()  # closing checkpoints and removes the WAL: put them back
    for suffix, data in left.items():
        Path(f"{kiosk.path}{suffix}").write_bytes(data)
    Path(f"{kiosk.path}-shm").unlink(missing_ok=True)
