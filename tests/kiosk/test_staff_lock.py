"""The staff PIN lock survives a restart and a power cut, and no clock change opens it."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from kiosk.errors import StoreWriteError
from kiosk.pin import hash_pin
from kiosk.staff import LOCKED, OK, WRONG, PinLock
from kiosk.store import staff_lock
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock
from tests.conftest import fill, make_context

PIN = "2468"
HASH = hash_pin(PIN)


def reopen(db_path, clock) -> tuple[Store, PinLock]:
    """The kiosk started again: a new store on the same file, a new pad."""
    store = Store(db_path, make_context(), clock=clock)
    return store, PinLock(HASH, limit=5, lockout=60, clock=clock, store=store)


def five_wrong(lock: PinLock) -> None:
    answers = [lock.check("1111").result for _ in range(5)]
    assert answers == [WRONG] * 4 + [LOCKED]


def rebooted(clock: ManualClock, off: float) -> ManualClock:
    """The same wall clock *off* seconds later, a new boot: CLOCK_MONOTONIC starts again."""
    return ManualClock(clock.wall + timedelta(seconds=off), boot_id="boot-2", monotonic_ns=5)


def test_a_restart_keeps_the_lock_and_its_time(db_path, clock):
    store, lock = reopen(db_path, clock)
    five_wrong(lock)
    clock.advance(20)
    store.close()
    store, lock = reopen(db_path, clock)  # the kiosk restarted (same boot)
    assert lock.remaining() == pytest.approx(40)
    answer = lock.check(PIN)
    assert (answer.result, round(answer.seconds)) == (LOCKED, 40)
    clock.advance(40)
    assert lock.check(PIN).result == OK
    store.close()


def test_pulling_the_power_gives_no_fresh_guesses(db_path, clock):
    store, lock = reopen(db_path, clock)
    five_wrong(lock)
    store.close()
    later = rebooted(clock, off=25)
    store, lock = reopen(db_path, later)
    answer = lock.check(PIN)
    assert (answer.result, round(answer.seconds)) == (LOCKED, 35)
    later.advance(35)
    assert lock.check(PIN).result == OK
    store.close()


def test_wrong_tries_short_of_the_limit_count_across_a_restart(db_path, clock):
    store, lock = reopen(db_path, clock)
    assert [lock.check("0000").tries_left for _ in range(3)] == [4, 3, 2]
    store.close()
    store, lock = reopen(db_path, rebooted(clock, off=600))
    assert lock.check("0000").tries_left == 1
    assert lock.check("0000").result == LOCKED  # the fifth in a row, across the restart
    store.close()


def test_a_clock_set_back_does_not_open_the_lock(db_path, clock):
    store, lock = reopen(db_path, clock)
    five_wrong(lock)
    clock.wall -= timedelta(days=30)  # set back while running: the monotonic clock rules
    assert lock.remaining() == pytest.approx(60)
    store.close()
    # Rebooted with a clock a month behind the lock's start: it cannot tell how long the
    # kiosk was off, so the whole lock again, from now, and then it opens.
    behind = rebooted(clock, off=0)
    store, lock = reopen(db_path, behind)
    assert lock.check(PIN).result == LOCKED
    assert lock.remaining() == pytest.approx(60)
    behind.advance(59)
    assert lock.check(PIN).result == LOCKED
    behind.wall += timedelta(days=60)  # NTP comes back: a jump forward opens nothing
    assert lock.remaining() == pytest.approx(1)
    store.close()
    store, lock = reopen(db_path, behind)  # restarted again in that boot: 1 s left
    assert lock.remaining() == pytest.approx(1)
    behind.advance(1)
    assert lock.check(PIN).result == OK
    store.close()


def test_the_lock_doubles_across_restarts_and_a_right_pin_starts_again(db_path, clock):
    store, lock = reopen(db_path, clock)
    five_wrong(lock)
    clock.advance(60)
    store.close()
    store, lock = reopen(db_path, clock)
    answers = [lock.check("1111") for _ in range(5)]
    assert (answers[-1].result, answers[-1].seconds) == (LOCKED, 120)
    clock.advance(120)
    assert lock.check(PIN).result == OK
    store.close()
    store, lock = reopen(db_path, clock)
    assert lock.state == staff_lock.LockState()
    answers = [lock.check("1111") for _ in range(5)]
    assert answers[-1].seconds == 60  # the doubling started again after the right PIN
    store.close()


def test_the_state_is_committed_before_the_answer(db_path, clock):
    store, lock = reopen(db_path, clock)
    lock.check("1111")
    # Another connection (the file as a power cut leaves it) already sees the wrong try.
    other = Store(db_path, make_context(), clock=clock)
    [(value,)] = other.read("SELECT value FROM meta WHERE key = ?", (staff_lock.KEY,))
    assert json.loads(value)["wrong"] == 1
    other.close()
    store.close()


def test_a_lock_row_edited_by_hand_starts_afresh(db_path, clock):
    store, lock = reopen(db_path, clock)
    five_wrong(lock)
    store.execute(
        "UPDATE meta SET value = ? WHERE key = ?",
        ('{"wrong": "x", "seconds": NaN}', staff_lock.KEY),
        doing="edit",
    )
    assert staff_lock.load(store) == staff_lock.LockState()
    store.close()


def test_a_full_disk_still_locks_the_pad_in_this_process(tiny_disk, clock):
    store, lock = reopen(tiny_disk / "ratings.db", clock)
    lock.check("1111")
    filler = fill(tiny_disk)
    with pytest.raises(StoreWriteError, match="is full"):
        for i in range(500):  # the WAL may still have room for a few pages
            staff_lock.save(store, staff_lock.LockState(wrong=1, lockouts=i))
    answers = [lock.check("1111").result for _ in range(4)]
    assert answers == [WRONG] * 3 + [LOCKED]  # the disk refuses the state; memory keeps it
    assert lock.check(PIN).result == LOCKED
    filler.unlink()
    clock.advance(60)
    assert lock.check(PIN).result == OK
    store.close()
    store, lock = reopen(tiny_disk / "ratings.db", clock)
    assert lock.state == staff_lock.LockState()  # saved again once there was space
    store.close()
