"""The local store: durable pragmas, gapless seq, flags, follow-ups, migrations."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import pytest
from sqlite_utils import Database

from kiosk.errors import DeviceMismatchError, StoreError, UnknownRatingError
from kiosk.store import schema
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from tests.conftest import make_context


def pragma(conn: sqlite3.Connection, name: str):
    return conn.execute(f"PRAGMA {name}").fetchone()[0]


def test_every_connection_is_wal_with_synchronous_full_and_a_busy_timeout(db_path, clock):
    for readonly in (False, True):
        with Store(db_path, make_context(), clock=clock, readonly=readonly) as s:
            assert pragma(s.db.conn, "journal_mode") == "wal"
            assert pragma(s.db.conn, "synchronous") == 2  # FULL
            assert pragma(s.db.conn, "busy_timeout") == 5000
            assert pragma(s.db.conn, "journal_size_limit") == 4 * 1024 * 1024


def test_record_returns_the_committed_row(store, db_path):
    rating = store.record(4, "button")
    # Another connection, as another process would, sees it at once: it is committed.
    other = sqlite3.connect(db_path)
    row = other.execute("SELECT id, seq, score, source, flag FROM ratings").fetchall()
    assert row == [(rating.id, 1, 4, "button", None)]
    assert store.get(rating.id) == rating


def test_rating_carries_every_field_of_the_spec(store, clock):
    r = store.record(2, "touch")
    assert uuid.UUID(r.id).version == 7
    assert (r.device_id, r.store_id, r.survey_id, r.question_id) == (
        "kiosk-1",
        "store-1",
        "default",
        "overall",
    )
    assert (r.config_version, r.scale, r.score, r.source) == (1, "smiley4", 2, "touch")
    assert r.recorded_at == "2026-01-05T09:00:00.000000+00:00"
    assert (r.clock_synced, r.boot_id, r.mono_ns) == (True, clock.boot, clock.mono)
    assert r.reason is None and r.flag is None and r.synced_at is None


def test_ids_are_time_ordered_and_seq_is_gapless(store, clock):
    ratings = []
    for i in range(50):
        clock.advance(30)
        ratings.append(store.record(1 + i % 4, "button"))
    assert [r.seq for r in ratings] == list(range(1, 51))
    assert [r.id for r in ratings] == sorted(r.id for r in ratings)


def test_seq_stays_gapless_with_two_writers_in_two_threads(db_path, clock):
    a = Store(db_path, make_context(), clock=clock)
    b = Store(db_path, make_context(), clock=clock)

    def press(s: Store):
        for _ in range(100):
            s.record(3, "touch")

    threads = [threading.Thread(target=press, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [row[0] for row in a.read("SELECT seq FROM ratings ORDER BY seq")]
    assert seqs == list(range(1, 201))
    a.close()
    b.close()


def test_a_file_with_a_seq_floor_numbers_on_after_it(db_path, clock):
    # A file that replaced a damaged one numbers on after the floor: the first press of
    # an empty table reads it, the rest are numbered by SQLite (the row id given NULL). A
    # press rolled back leaves the table empty, so the next one reads the floor again.
    Store(db_path, make_context(), clock=clock).close()
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("INSERT INTO meta (key, value) VALUES ('seq_floor', '500')")
    conn.close()
    store = Store(db_path, make_context(), clock=clock)
    with pytest.raises(RuntimeError, match="undone"), store.bulk():
        assert store.record(3, "touch").seq == 501
        raise RuntimeError("undone")
    assert store.count() == 0
    seqs = [store.record(1 + i, "touch").seq for i in range(3)]
    store.close()
    again = Store(db_path, make_context(), clock=clock)
    seqs.append(again.record(2, "button").seq)
    assert seqs == [501, 502, 503, 504]
    assert [row[0] for row in again.read("SELECT seq FROM ratings ORDER BY seq")] == seqs
    again.close()


def test_flags_are_stored_and_every_press_is_a_row(store, clock):
    flags = []
    for step in (0, 1, 1.5, 1.0, 10):  # counted, lockout, lockout, repeat, counted
        clock.advance(step)
        flags.append(store.record(4, "button").flag)
    assert flags == [None, "lockout", "lockout", "repeat", None]
    assert store.count() == 5


def test_a_held_button_is_stored_as_stuck(store):
    assert store.record(1, "button", held=12.0).flag == "stuck"


def test_the_repeat_memory_survives_a_restart_in_the_same_boot(db_path, clock):
    with Store(db_path, make_context(), clock=clock) as s:
        s.record(4, "button")
    clock.advance(1)
    with Store(db_path, make_context(), clock=clock) as s:
        assert s.record(4, "button").flag == "lockout"
    clock.boot = "another-boot"
    with Store(db_path, make_context(), clock=clock) as s:
        assert s.record(4, "button").flag is None


@pytest.mark.parametrize(
    ("score", "source", "message"),
    [
        (0, "button", "score 0 is not on the smiley4 scale"),
        (5, "touch", "score 5 is not on the smiley4 scale"),
        (True, "touch", "score True is not on the smiley4 scale"),
        ("3", "touch", "score '3' is not on the smiley4 scale"),
        (3, "voice", "source 'voice' is not one of button, touch"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(store, score, source, message):
    with pytest.raises(ValueError, match=message):
        store.record(score, source)
    assert store.count() == 0


def test_nps_and_ces_scales(db_path, clock):
    with Store(db_path, make_context("nps"), clock=clock) as s:
        assert s.record(0, "touch").score == 0
        clock.advance(60)
        assert s.record(10, "touch").score == 10
        with pytest.raises(ValueError, match="0–10"):
            s.record(11, "touch")


def test_follow_up_reason_is_set_once_while_open(store, clock):
    r = store.record(1, "touch", followup_seconds=8)
    assert store.oldest_unsynced(10) == []  # not final while the question is open
    clock.advance(2)
    assert store.set_reason(r.id, "queue") is True
    assert store.set_reason(r.id, "staff") is False  # set once
    stored = store.get(r.id)
    assert stored.reason == "queue" and stored.followup_until_ns is None
    assert [x.id for x in store.oldest_unsynced(10)] == [r.id]


def test_follow_up_closes_at_its_deadline(store, clock):
    r = store.record(2, "touch", followup_seconds=8)
    clock.advance(8)
    assert store.set_reason(r.id, "queue") is False
    assert store.get(r.id).reason is None
    assert [x.id for x in store.oldest_unsynced(10)] == [r.id]  # final by timeout


def test_follow_up_closed_without_answer_is_final(store):
    r = store.record(2, "touch", followup_seconds=8)
    store.close_followup(r.id)
    assert [x.id for x in store.oldest_unsynced(10)] == [r.id]
    assert store.set_reason(r.id, "queue") is False


def test_follow_up_from_an_earlier_boot_is_final(db_path, clock):
    with Store(db_path, make_context(), clock=clock) as s:
        r = s.record(1, "touch", followup_seconds=8)
    clock.boot = "next-boot"
    clock.mono = 1  # the monotonic clock restarted
    with Store(db_path, make_context(), clock=clock) as s:
        assert [x.id for x in s.oldest_unsynced(10)] == [r.id]
        assert s.set_reason(r.id, "queue") is False


def test_flagged_ratings_open_no_follow_up(store, clock):
    store.record(1, "touch")
    clock.advance(1)
    lockout = store.record(1, "touch", followup_seconds=8)
    assert lockout.flag == "lockout" and lockout.followup_until_ns is None


def test_reason_must_be_a_configured_one_and_the_id_must_exist(store):
    r = store.record(1, "touch", followup_seconds=8)
    with pytest.raises(ValueError, match="reason 'weather' is not one of queue"):
        store.set_reason(r.id, "weather")
    with pytest.raises(UnknownRatingError, match="no rating with id 'nope'"):
        store.set_reason("nope", "queue")


def test_oldest_unsynced_and_mark_synced(store, clock):
    ids = []
    for _ in range(5):
        clock.advance(60)
        ids.append(store.record(4, "button").id)
    assert [r.id for r in store.oldest_unsynced(3)] == ids[:3]
    assert store.mark_synced(ids[:3], "2026-01-05T10:00:00+00:00") == 3
    assert store.mark_synced(ids[:3], "2026-01-05T10:00:01+00:00") == 0  # already marked
    assert [r.id for r in store.oldest_unsynced(10)] == ids[3:]
    assert store.pending_count() == 2


def test_the_queries_that_run_often_use_their_indexes(store):
    def plan(sql, params):
        return " ".join(r[3] for r in store.read(f"EXPLAIN QUERY PLAN {sql}", params))

    tally = plan(
        "SELECT scale, score, flag, count(*) FROM ratings WHERE recorded_at >= ? "
        "AND recorded_at < ? GROUP BY 1, 2, 3",
        ("a", "b"),
    )
    assert "USING COVERING INDEX ratings_by_time" in tally
    unsynced = plan("SELECT id FROM ratings WHERE synced_at IS NULL ORDER BY seq LIMIT 10", ())
    assert "ratings_unsynced" in unsynced and "TEMP B-TREE" not in unsynced


def test_a_database_of_another_device_is_refused(db_path, clock):
    Store(db_path, make_context(device_id="kiosk-1"), clock=clock).close()
    with pytest.raises(DeviceMismatchError, match="belongs to device 'kiosk-1'.*'kiosk-2'"):
        Store(db_path, make_context(device_id="kiosk-2"), clock=clock)


def test_migrations_run_forward_and_keep_the_ratings(db_path, clock):
    db_path.parent.mkdir(parents=True)
    old = Database(db_path)
    schema.migrations.apply(old, stop_before="m002_events")  # a file of version 1
    old.execute(
        "INSERT INTO ratings (id, device_id, store_id, survey_id, question_id, "
        "config_version, scale, score, source, recorded_at, clock_synced, boot_id, mono_ns) "
        "VALUES ('r1', 'kiosk-1', 'store-1', 'default', 'overall', 1, 'smiley4', 3, "
        "'touch', '2026-01-05T08:00:00.000000+00:00', 1, 'b', 1)"
    )
    assert "events" not in old.table_names()
    old.close()
    with Store(db_path, make_context(), clock=clock) as s:
        assert "events" in s.db.table_names()
        assert s.get("r1").score == 3
        assert s.record(4, "touch").seq == 2
        assert schema.pending(s.db) == []


def test_a_database_from_a_newer_version_is_refused(db_path, clock):
    Store(db_path, make_context(), clock=clock).close()
    db = Database(db_path)
    db["_sqlite_migrations"].insert(
        {"migration_set": "hymio.kiosk", "name": "m999_future", "applied_at": "2030"}
    )
    db.close()
    with pytest.raises(StoreError, match="made by a newer Hymiö .*m999_future"):
        Store(db_path, make_context(), clock=clock)


def test_a_readonly_store_creates_nothing(db_path, clock):
    with pytest.raises(StoreError, match="there is no database at .* yet"):
        Store(db_path, make_context(), clock=clock, readonly=True)
    assert not db_path.exists()


def test_a_readonly_store_cannot_record(db_path, clock):
    Store(db_path, make_context(), clock=clock).close()
    with (
        Store(db_path, make_context(), clock=ManualClock(), readonly=True) as s,
        pytest.raises(StoreError, match="read-only"),
    ):
        s.record(3, "touch")


def test_two_processes_creating_the_same_new_store_both_open_it(tmp_path, clock):
    # The kiosk and sync start together on a new file (hymio demo does): the second to
    # migrate must wait for the first, not fail with "table ratings already exists".
    for round_ in range(8):
        path = tmp_path / f"new-{round_}.db"
        start = threading.Barrier(3)
        opened: list[object] = []

        def open_it(path=path, start=start, opened=opened):
            start.wait()
            try:
                Store(path, make_context(), clock=clock).close()
                opened.append("ok")
            except StoreError as exc:
                opened.append(exc)

        threads = [threading.Thread(target=open_it) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert opened == ["ok", "ok", "ok"], opened
