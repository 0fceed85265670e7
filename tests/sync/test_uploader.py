"""The uploader against a real HQ on 127.0.0.1: everything arrives once, refusals are
found and quarantined, a wrong token stops it, nothing is marked before HQ says so."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from sync.backoff import Backoff
from sync.wire import batches
from tests.sync.conftest import kiosk_context, press, uploader


def hq_ids(hq) -> set[str]:
    from sqlalchemy import select

    from hq.tables.models import Rating

    with hq.sessions() as s:
        return set(s.scalars(select(Rating.id)))


def synced_ids(store: Store) -> set[str]:
    return {r[0] for r in store.read("SELECT id FROM ratings WHERE synced_at IS NOT NULL")}


def test_a_backlog_arrives_once_in_batches_of_a_thousand(live, kiosk):
    hq, url = live
    sent = press(kiosk, 2500)
    up = uploader(kiosk, url, hq.token)
    outcome = up.run_once()
    assert outcome.ok and outcome.sent == 2500 and outcome.requests == 3
    assert hq_ids(hq) == {r.id for r in sent} == synced_ids(kiosk)
    assert kiosk.pending_count() == 0
    again = up.run_once()
    assert again.ok and again.sent == 0 and again.requests == 0
    state = Ledger(kiosk).state()
    assert state["last_success"] and state["last_error"] is None and state["pending"] == 0


def test_a_batch_is_cut_at_one_mebibyte_too(kiosk):
    ratings = press(kiosk, 300)
    cut = list(batches(ratings, max_ratings=1000, max_bytes=20_000))
    assert [r.id for b in cut for r in b.ratings] == [r.id for r in ratings]
    assert all(len(b.body) <= 20_000 for b in cut) and len(cut) > 1


def test_an_open_follow_up_waits_until_it_is_final(live, kiosk):
    hq, url = live
    kiosk.clock.advance(10)
    open_one = kiosk.record(1, "touch", followup_seconds=8)
    up = uploader(kiosk, url, hq.token)
    assert up.run_once().sent == 0
    assert kiosk.set_reason(open_one.id, "queue")
    assert up.run_once().sent == 1
    assert hq_ids(hq) == {open_one.id}


def test_a_wrong_token_stops_at_once_and_says_so(live, kiosk):
    hq, url = live
    press(kiosk, 20)
    up = uploader(kiosk, url, "not-the-token")
    outcome = up.drain(attempts=5)
    assert outcome.kind == "refused" and outcome.requests == 1 and outcome.waits == []
    assert "[hq] token" in outcome.error and "'k1'" in outcome.error
    assert synced_ids(kiosk) == set() and hq.count() == 0
    assert Ledger(kiosk).state()["last_error"] == outcome.error


def test_a_poisoned_rating_is_held_and_the_rest_arrive(live, kiosk):
    hq, url = live
    sent = press(kiosk, 1000)
    poisoned = sent[617]
    # A reason HQ's wire format refuses (as a bug or a damaged file could leave).
    kiosk.execute(
        "UPDATE ratings SET reason = 'NOT A KEY' WHERE id = ?", (poisoned.id,), doing="poison"
    )
    outcome = uploader(kiosk, url, hq.token).run_once()
    assert outcome.ok and outcome.held == 1 and outcome.sent == 999
    assert outcome.requests == 2  # HQ names the rating: the other 999 go at once
    assert hq_ids(hq) == {r.id for r in sent} - {poisoned.id} == synced_ids(kiosk)
    [held] = Ledger(kiosk).held()
    assert held.rating_id == poisoned.id and held.code == "invalid" and "reason" in held.message
    assert kiosk.get(poisoned.id).synced_at is None  # kept, never deleted
    assert kiosk.pending_count() == 0  # and not offered again
    assert uploader(kiosk, url, hq.token).run_once().requests == 0


def test_an_id_hq_has_with_other_content_is_held(live, kiosk):
    hq, url = live
    sent = press(kiosk, 10)
    clash = sent[4]
    other = hq.rating(
        id=clash.id, device_id="k1", store_id="s1", seq=clash.seq, score=clash.score % 4 + 1
    )
    assert hq.post([other]).status_code == 200
    outcome = uploader(kiosk, url, hq.token).run_once()
    assert outcome.ok and outcome.held == 1 and outcome.sent == 9
    [held] = Ledger(kiosk).held()
    assert held.rating_id == clash.id and held.code == "id_conflict"
    assert synced_ids(kiosk) == {r.id for r in sent} - {clash.id}


def test_slow_down_is_honoured(tmp_path, kiosk):
    from tests.hq.conftest import LiveServer, make_hq

    hq = make_hq(f"sqlite:///{tmp_path / 'slow.db'}", rate=2.0, burst=1)
    press(kiosk, 30)
    with LiveServer(hq.app) as server:
        up = uploader(kiosk, server.url, hq.token, max_ratings=10)
        slept: list[float] = []

        def sleep(seconds: float) -> bool:
            slept.append(seconds)
            time.sleep(seconds)
            return False

        outcome = up.drain(attempts=10, sleep=sleep)
        assert outcome.ok and kiosk.pending_count() == 0
    assert slept and all(s >= 0.5 for s in slept)  # Retry-After, not the 0.05 s backoff cap
    hq.app.state.engine.dispose()


def test_clock_repair_fixes_this_boot_and_flags_the_last(live, kiosk_db, kiosk_clock):
    hq, url = live
    clock = kiosk_clock
    clock.synced = False
    clock.wall = clock.wall.replace(year=2025)  # a Pi without RTC, booted with a stale clock
    clock.boot = "boot-a"
    with Store(kiosk_db, kiosk_context(), clock=clock) as store:
        earlier = press(store, 2)
    clock.boot, clock.mono = "boot-b", 5_000_000_000
    with Store(kiosk_db, kiosk_context(), clock=clock) as store:
        these = press(store, 3, every=10)
        up = uploader(store, url, hq.token)
        assert up.run_once().sent == 5  # not synchronised yet: sent as recorded, flagged
        assert hq.count() == 5
    # Again, with a clock that NTP then sets, before anything is sent.
    clock.boot, clock.mono, clock.synced = "boot-c", 1_000_000_000, False
    with Store(kiosk_db, kiosk_context(), clock=clock) as store:
        stale = press(store, 3, every=10)
        clock.advance(60)
        clock.wall = hq.clock.now - timedelta(hours=1)  # NTP: the real time
        clock.synced = True
        assert store.read("SELECT count(*) FROM ratings WHERE clock_synced = 0")[0][0] == 8
        uploader(store, url, hq.token).run_once()
        fixed = {r.id: store.get(r.id) for r in stale}
    for i, r in enumerate(stale):
        expected = clock.now() - timedelta(seconds=60 + 10 * (2 - i))
        assert fixed[r.id].clock_synced is True
        assert fixed[r.id].recorded_at == expected.isoformat(timespec="microseconds")
    unrepaired = {r.id for r in earlier + these}
    from sqlalchemy import select

    from hq.tables.models import Rating

    with hq.sessions() as s:
        rows = {r.id: r for r in s.scalars(select(Rating))}
    assert {i for i, r in rows.items() if not r.clock_synced} == unrepaired
    assert all(rows[i].clock_synced for i in fixed)


def test_the_kiosk_writes_while_sync_runs_and_nobody_sees_a_lock(live, kiosk_db, kiosk_clock):
    hq, url = live
    errors: list[BaseException] = []
    done = threading.Event()

    def shopper() -> None:
        try:
            with Store(kiosk_db, kiosk_context(), clock=kiosk_clock) as mine:
                for i in range(400):
                    kiosk_clock.advance(7)
                    mine.record(i % 4 + 1, "button")
        except BaseException as exc:  # any error fails the test
            errors.append(exc)
        finally:
            done.set()

    with Store(kiosk_db, kiosk_context(), clock=kiosk_clock) as sync_side:
        up = uploader(sync_side, url, hq.token, max_ratings=25)
        thread = threading.Thread(target=shopper)
        thread.start()
        rounds = 0
        while not done.is_set() or sync_side.pending_count():
            outcome = up.run_once()
            assert outcome.ok, outcome.error
            rounds += 1
        thread.join()
    assert errors == []
    assert hq.count() == 400 and rounds > 1


def test_backoff_is_full_jitter_growing_to_its_cap():
    import random
    import statistics

    means = []
    for failures in range(8):
        draws = []
        for seed in range(300):
            b = Backoff(base=1.0, cap=30.0, rng=random.Random(seed))
            b.failures = failures
            draws.append(b.fail())
        assert all(0 <= d <= min(30.0, 2.0**failures) for d in draws)
        assert len(set(draws)) == len(draws)  # jitter: no two kiosks in step
        means.append(statistics.mean(draws))
    assert means == sorted(means) and means[-1] > 10  # grows, then held by the cap
    b = Backoff(base=1.0, cap=30.0)
    b.fail(), b.fail()
    b.reset()
    assert b.ceiling() == 1.0


def test_an_idle_round_writes_nothing_to_the_card(live, kiosk):
    import sqlite3

    from sync.client import HQClient
    from sync.heartbeat import send_heartbeat

    hq, url = live
    press(kiosk, 10)
    up = uploader(kiosk, url, hq.token)
    assert up.run_once().sent == 10
    client = HQClient(url, hq.token)
    assert send_heartbeat(Ledger(kiosk), client, up.databases)
    watcher = sqlite3.connect(kiosk.path)
    version = watcher.execute("PRAGMA data_version").fetchone()[0]
    files = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in kiosk.path.parent.glob("*")}
    for _ in range(5):  # idle: nothing pressed, nothing to send
        assert up.run_once().ok
        assert send_heartbeat(Ledger(kiosk), client, up.databases)
    # data_version moves whenever another connection commits: nothing was committed.
    assert watcher.execute("PRAGMA data_version").fetchone()[0] == version
    assert {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in files} == files
    watcher.close()
    client.close()
    up.close()
