"""A rating's id (``kiosk.store.ids``) and the press's own insert: a UUIDv7 that sorts by
time even when the clock steps back, differs in a forked process, and a rating that goes to
the database id the file holds when it is written, whoever forked it since."""

from __future__ import annotations

import os
import uuid

from kiosk.store import ids
from kiosk.store.ids import uuid7_text
from kiosk.store.store import Store
from tests.conftest import make_context


def test_an_id_is_a_canonical_uuid7_with_the_time_in_milliseconds(monkeypatch):
    at_ns = 1_780_000_000_123_456_789
    monkeypatch.setattr(ids, "_last_ms", 0)
    monkeypatch.setattr(ids.time, "time_ns", lambda: at_ns)
    text = uuid7_text()
    parsed = uuid.UUID(text)
    assert str(parsed) == text  # lower case, 8-4-4-4-12
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert parsed.int >> 80 == at_ns // 1_000_000


def test_ids_sort_in_the_order_they_were_made_when_the_clock_steps_back(monkeypatch):
    times = iter([5_000, 5_000, 4_000, 3_000, 5_000, 6_000])  # ms, NTP stepping back
    monkeypatch.setattr(ids, "_last_ms", 0)
    monkeypatch.setattr(ids.time, "time_ns", lambda: next(times) * 1_000_000)
    made = [uuid7_text() for _ in range(6)]
    assert made == sorted(made) and len(set(made)) == 6
    assert [uuid.UUID(t).int >> 80 for t in made] == [5000, 5001, 5002, 5003, 5004, 6000]


def test_ten_thousand_ids_in_the_same_millisecond_are_distinct(monkeypatch):
    monkeypatch.setattr(ids, "_last_ms", 0)
    monkeypatch.setattr(ids.time, "time_ns", lambda: 1_780_000_000_000_000_000)
    made = [uuid7_text() for _ in range(10_000)]
    assert len(set(made)) == 10_000 and made == sorted(made)


def test_a_forked_process_makes_other_ids_than_its_parent(monkeypatch):
    """The random bits are the process's own generator's: a child must not repeat its
    parent's ids (the kiosk's processes start by fork under some launchers)."""
    monkeypatch.setattr(ids.time, "time_ns", lambda: 1_780_000_000_000_000_000)
    monkeypatch.setattr(ids, "_last_ms", 0)
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its five ids, then out without pytest's teardown
        os.close(read)
        os.write(write, " ".join(uuid7_text() for _ in range(5)).encode())
        os._exit(0)
    os.close(write)
    theirs = set(os.read(read, 4096).decode().split())
    os.close(read)
    os.waitpid(pid, 0)
    ours = {uuid7_text() for _ in range(5)}
    assert len(theirs) == 5 and not ours & theirs


def test_a_press_goes_to_the_database_sync_forked_meanwhile(tmp_path, clock):
    """The kiosk and sync each hold the file open; sync forks it (a rolled-back card): the
    kiosk's next press is written to the fork, and says so, without reopening anything."""
    context = make_context(repeat_window=0, thank_you=0)
    with Store(tmp_path / "r.db", context, clock=clock) as kiosk:
        first = kiosk.record(3, "button")
        with Store(tmp_path / "r.db", context, clock=clock) as sync:
            fork = sync.fork(first.database_id, first.seq + 1)
        clock.advance(5)
        second = kiosk.record(4, "touch")
        assert fork != first.database_id
        assert second.database_id == fork == kiosk.database_id
        assert kiosk.get(second.id) == second  # the row as returned
        assert kiosk.get(first.id).database_id == first.database_id
        assert second.seq == first.seq + 1
