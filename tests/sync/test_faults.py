"""Nothing lost, nothing twice: 20 000 ratings through a proxy that breaks every way it
can, and a sync process killed with SIGKILL again and again mid-upload."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time

from sqlalchemy import select

from hq.tables.models import Rating
from kiosk.store.store import Store
from sync.backoff import Backoff
from tests.sync.conftest import kiosk_context, press, sync_once, uploader, write_settings
from tests.sync.proxy import FaultyProxy

N = 20_000


def hq_seqs(hq, device: str = "k1") -> list[int]:
    with hq.sessions() as s:
        return sorted(s.scalars(select(Rating.seq).where(Rating.device_id == device)))


def assert_exactly_once(hq, store: Store, sent) -> None:
    with hq.sessions() as s:
        at_hq = list(s.scalars(select(Rating.id)))
    assert len(at_hq) == len(set(at_hq)) == len(sent)  # nothing twice
    assert set(at_hq) == {r.id for r in sent}  # nothing lost, nothing foreign
    synced = {r[0] for r in store.read("SELECT id FROM ratings WHERE synced_at IS NOT NULL")}
    assert synced == set(at_hq)
    assert hq_seqs(hq) == list(range(1, len(sent) + 1))  # no gap in seq


def test_twenty_thousand_through_a_faulty_proxy(live, kiosk):
    hq, url = live
    sent = press(kiosk, N, every=0.5)
    with FaultyProxy(url, seed=7, stall=0.5, lifetime=240) as proxy:
        up = uploader(kiosk, proxy.url, hq.token, read_timeout=0.3, max_ratings=500,
                      backoff=Backoff(base=0.01, cap=0.05))  # fmt: skip
        deadline = time.monotonic() + 200
        while kiosk.pending_count() and time.monotonic() < deadline:
            up.drain(attempts=50)
        time.sleep(proxy.stall + 0.5)  # let late (stalled) deliveries land too
    assert kiosk.pending_count() == 0
    assert_exactly_once(hq, kiosk, sent)
    # Every kind of fault happened, more than once.
    assert all(proxy.counts[f] >= 2 for f in proxy._names), proxy.counts


def test_kill_9_mid_upload_loses_and_doubles_nothing(live, tmp_path, kiosk_db, kiosk_clock):
    hq, url = live
    with Store(kiosk_db, kiosk_context(), clock=kiosk_clock) as store:
        sent = press(store, N, every=0.5)
    settings = write_settings(tmp_path, url, hq.token, kiosk_db)
    command = [sys.executable, "-m", "hymio", "sync", "--config", str(settings), "--once"]
    rng = random.Random(3)
    kills = 0
    synced: list[int] = []  # ratings marked synced after each kill
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if kills < 12:
            # Kill it once it has marked a batch (the upload is under way), a little later
            # or at once: on a fast or a busy machine alike the kill lands mid-upload.
            before, wait_until = _synced(kiosk_db), time.monotonic() + 20
            while proc.poll() is None and time.monotonic() < wait_until:
                if _synced(kiosk_db) > before:
                    break
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.05))
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
                kills += 1
                synced.append(_synced(kiosk_db))
                continue
        proc.communicate(timeout=120)
        if proc.returncode == 0:
            break
    assert kills >= 5
    assert sum(0 < n < N for n in synced) >= 3, synced  # killed mid-upload, not before or after
    with Store(kiosk_db, kiosk_context(), clock=kiosk_clock) as store:
        assert store.pending_count() == 0
        assert_exactly_once(hq, store, sent)


def _synced(db) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute("SELECT count(*) FROM ratings WHERE synced_at IS NOT NULL").fetchone()[
            0
        ]
    finally:
        conn.close()


def test_hq_down_for_the_whole_run(tmp_path, kiosk_db, kiosk_clock):
    with Store(kiosk_db, kiosk_context(), clock=kiosk_clock) as store:
        press(store, 50)
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = write_settings(tmp_path, f"http://127.0.0.1:{port}", "tok", kiosk_db,
                              backoff_cap=10.0)  # fmt: skip
    run = sync_once(settings, "--json")
    assert run.returncode == 3, run.stderr
    report = json.loads(run.stdout)
    assert report["outcome"] == "unreachable" and report["pending"] == 50
    assert "could not be reached" in report["last_error"]
    waits = report["waits"]
    assert len(waits) == 3 and len(set(waits)) == 3  # jittered
    assert all(w <= min(10.0, 2.0 * 2**i) for i, w in enumerate(waits))  # under the ceiling
    with Store(kiosk_db, kiosk_context(), clock=kiosk_clock, readonly=True) as store:
        assert store.read("SELECT count(*) FROM ratings WHERE synced_at IS NOT NULL")[0][0] == 0
