"""The kiosk's decisions without a window: what a press shows, the PIN lock, the staff
report (tested here with a manual clock; the window tests are in tests/kiosk/ui/)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.pin import hash_pin
from kiosk.settings.load import parse_settings
from kiosk.shopper import CLOSED_SCREEN, FOLLOWUP, QUESTION, STAY, THANKS, ShopperFlow
from kiosk.staff import LOCKED, NO_PIN, OK, WRONG, PinLock, staff_report
from kiosk.store.store import Store
from kiosk.timekeeping.clock import ManualClock


@pytest.fixture
def flow(tmp_path):
    settings = parse_settings(
        {
            "device": {"id": "k1", "store_id": "s1"},
            "storage": {"path": "r.db"},
            "behaviour": {"thank_you": 3, "repeat_window": 6},
            "hours": {"sun": "closed"},
        },
        tmp_path / "kiosk.toml",
    )
    clock = ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # a Wednesday
    with Store.from_settings(settings, clock=clock) as store:
        yield ShopperFlow(store, settings)


def test_a_happy_press_is_thanked_for_the_thank_you_time(flow):
    step = flow.press(4, "touch")
    assert (step.screen, step.score, step.seconds) == (THANKS, 4, 3)


def test_a_press_during_the_thanks_is_a_lockout_and_stays(flow):
    flow.press(4, "button")
    flow.store.clock.advance(1)
    step = flow.press(1, "button")
    assert step.screen == STAY and step.rating.flag == "lockout"


def test_a_repeat_is_thanked_like_any_press(flow):
    flow.press(4, "touch")
    flow.store.clock.advance(4)
    step = flow.press(4, "touch")
    assert step.screen == THANKS and step.rating.flag == "repeat"


def test_a_negative_press_asks_why_and_the_answer_lands_on_it(flow):
    step = flow.press(1, "touch")
    assert step.screen == FOLLOWUP and "queue" in step.reasons and step.seconds == 8
    thanks = flow.choose("queue")
    assert thanks.screen == THANKS
    assert flow.store.get(step.rating.id).reason == "queue"


def test_no_answer_closes_the_question_without_a_reason(flow):
    step = flow.press(2, "touch")
    assert flow.followup_timed_out().screen == QUESTION
    rating = flow.store.get(step.rating.id)
    assert rating.reason is None and rating.followup_until_ns is None


def test_the_next_shopper_closes_the_last_ones_question(flow):
    first = flow.press(1, "touch")
    flow.store.clock.advance(10)
    flow.press(4, "button")
    assert flow.store.get(first.rating.id).followup_until_ns is None
    assert flow.choose("queue").screen == QUESTION  # nothing open any more


def test_a_closed_store_keeps_the_closed_screen(flow):
    flow.store.clock.wall = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)  # a Sunday
    step = flow.press(4, "button")
    assert step.screen == CLOSED_SCREEN and step.rating.flag == "closed"


def test_paused_collection_records_nothing(flow):
    flow.paused = True
    assert flow.press(4, "touch").screen == STAY
    assert flow.store.count() == 0


def test_a_store_that_cannot_write_never_thanks(flow):
    flow.store.db.conn.close()  # every write now fails inside SQLite (full disk: tests/kiosk/ui)
    step = flow.press(4, "touch")
    assert step.screen == STAY and step.error


class Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_pin_lock_locks_and_doubles():
    t = Monotonic()
    lock = PinLock(hash_pin("2468"), limit=3, lockout=60, monotonic=t)
    assert lock.check("2468").result == OK
    assert [lock.check("1111").result for _ in range(2)] == [WRONG, WRONG]
    third = lock.check("1111")
    assert (third.result, third.seconds) == (LOCKED, 60)
    assert lock.check("2468").result == LOCKED  # the right PIN waits too
    t.now += 61
    for _ in range(2):
        lock.check("0000")
    assert lock.check("0000").seconds == 120  # twice as long the second time
    t.now += 121
    assert lock.check("2468").result == OK


def test_without_a_pin_staff_mode_stays_shut():
    assert PinLock(None).check("0000").result == NO_PIN


def test_the_staff_report_is_the_store_metrics(flow):
    for score in (4, 4, 3, 1):
        flow.store.clock.advance(10)
        flow.press(score, "touch")
    report = staff_report(flow.store, flow.settings)
    assert report["tally"].today.counts == {1: 1, 2: 0, 3: 1, 4: 2}
    assert report["sync"]["pending"] == 4 and report["sync"]["last_success"] is None
    assert report["device"]["clock_synced"] is True and report["device"]["disk_free"] > 0


def test_staff_times_are_local_and_readable():
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    from kiosk.i18n import gettext
    from kiosk.staff import when

    tz = ZoneInfo("Europe/Helsinki")
    now = datetime(2026, 12, 1, 7, 30, tzinfo=UTC)  # 09:30 in Helsinki
    en = lambda text, **v: gettext("en", text, **v)  # noqa: E731
    fi = lambda text, **v: gettext("fi", text, **v)  # noqa: E731
    ago = lambda **d: (now - timedelta(**d)).isoformat()  # noqa: E731
    assert when(None, now, tz, en) == "never"
    assert when(ago(seconds=20), now, tz, en) == "just now"
    assert when(ago(minutes=3), now, tz, en) == "3 min ago"
    assert when(ago(minutes=3), now, tz, fi) == "3 min sitten"
    assert when(ago(hours=2, minutes=3), now, tz, en) == "today 07:27"
    assert when(ago(hours=12), now, tz, fi) == "eilen 21:30"
    assert when(ago(days=5), now, tz, en) == "26.11. 09:30"
