"""The button panel on gpiozero's mock pins: the press path from pin edge to committed row."""

from __future__ import annotations

import time

from gpiozero.pins.mock import MockPin

from hardware.panel import FAILED, FREED, PRESSED, STUCK_EVENT
from hardware.status import CANNOT_WRITE, COLLECTING, STUCK
from tests.conftest import fill
from tests.hardware_fixtures import LEDS, STATUS, Events, lit, make_panel, press, times_lit


class ShortedPin(MockPin):
    """A contact shorted to ground: the pull-up cannot raise it."""

    def _set_pull(self, value):
        super()._set_pull(value)
        self._change_state(False)


ROWS = "SELECT score, source, flag FROM ratings ORDER BY seq"


def test_each_face_button_records_its_score_from_the_button(store, clock, factory):
    events = Events()
    panel = make_panel(store, factory, events)
    for face in (1, 2, 3, 4):
        clock.advance(60)
        press(factory, face)
    assert store.read(ROWS) == [(f, "button", None) for f in (1, 2, 3, 4)]
    assert [e.score for e in events.of(PRESSED)] == [1, 2, 3, 4]
    assert [e.rating.seq for e in events.of(PRESSED)] == [1, 2, 3, 4]
    panel.close()


def test_a_burst_of_bouncing_edges_is_one_press(store, clock, factory):
    panel = make_panel(store, factory, debounce_ms=30)
    pin = factory.pin(6)
    for _ in range(8):  # closing contact bounces: low/high within microseconds
        pin.drive_low()
        pin.drive_high()
    pin.drive_low()
    for _ in range(5):  # and so does the opening one
        pin.drive_high()
        pin.drive_low()
    pin.drive_high()
    assert store.count() == 1
    time.sleep(0.05)  # released for longer than the debounce time: the next press counts
    clock.advance(60)
    press(factory, 2)
    assert store.read(ROWS) == [(2, "button", None), (2, "button", None)]
    panel.close()


def test_repeat_and_lockout_are_flagged_by_the_stores_rule(store, clock, factory):
    panel = make_panel(store, factory)
    press(factory, 4)
    clock.advance(1)  # within the 3 s thank-you
    time.sleep(0.04)
    press(factory, 1)
    clock.advance(3)  # after the thank-you, within the 6 s repeat window
    time.sleep(0.04)
    press(factory, 2)
    clock.advance(10)
    time.sleep(0.04)
    press(factory, 3)
    assert [r[2] for r in store.read(ROWS)] == [None, "lockout", "repeat", None]
    panel.close()


def test_two_buttons_at_once_are_two_rows_and_only_the_first_is_thanked(quick_store, factory):
    panel = make_panel(quick_store, factory)
    a, b = factory.pin(5), factory.pin(19)
    a.drive_low()
    b.drive_low()
    a.drive_high()
    b.drive_high()
    assert quick_store.read(ROWS) == [(1, "button", None), (4, "button", "lockout")]
    assert lit(factory) == [True, False, False, False]
    assert times_lit(factory, 4) == 0
    panel.close()


def wait_until(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_pressed_faces_led_lights_alone_for_the_thank_you_time(quick_store, clock, factory):
    panel = make_panel(quick_store, factory)
    press(factory, 3)
    assert lit(factory) == [False, False, True, False]  # lit as soon as the press returns
    wait_until(lambda: not any(lit(factory)))
    states = factory.pin(LEDS[2]).states
    assert [s.state for s in states] == [False, True, False]
    # Each PinState's timestamp is the time since the change before it: how long it was on.
    assert 0.3 <= states[-1].timestamp < 1.0
    # A new press after the thank-you lights its own LED.
    clock.advance(60)
    press(factory, 1)
    assert lit(factory) == [True, False, False, False]
    panel.close()


def test_a_button_held_past_the_stuck_limit_is_flagged_once(quick_store, clock, factory):
    events = Events()
    panel = make_panel(quick_store, factory, events)
    pin = factory.pin(13)
    pin.drive_low()  # pressed …
    events.wait_for(STUCK_EVENT)  # … and held past 0.4 s
    time.sleep(0.5)  # held on: still one stuck row, not one per limit
    assert panel.status.state == STUCK
    assert quick_store.read(ROWS) == [(3, "button", None), (3, "button", "stuck")]
    assert len(events.of(STUCK_EVENT)) == 1
    pin.drive_high()
    events.wait_for(FREED)
    assert panel.status.state == COLLECTING
    panel.close()


def test_a_stuck_button_ignores_further_edges_until_it_is_released(quick_store, clock, factory):
    events = Events()
    panel = make_panel(quick_store, factory, events)
    other = factory.pin(5)
    pin = factory.pin(13)
    pin.drive_low()
    events.wait_for(STUCK_EVENT)
    assert panel.stuck == {2}
    clock.advance(60)
    press(factory, 1)  # the other buttons still work
    assert other.state == 1
    pin.drive_high()
    events.wait_for(FREED)
    assert panel.stuck == set()
    assert panel.status.state == COLLECTING
    time.sleep(0.05)
    clock.advance(60)
    press(factory, 3)
    assert [r[2] for r in quick_store.read(ROWS)] == [None, "stuck", None, None]
    panel.close()


def test_a_button_held_at_start_up_is_reported_not_recorded(store, factory):
    factory.pin(6, pin_class=ShortedPin)  # shorted before the kiosk starts
    panel = make_panel(store, factory)
    assert panel.stuck == {1}
    assert panel.status.state == STUCK
    assert store.count() == 0
    factory.pin(6).drive_high()
    assert panel.stuck == set()
    panel.close()


def test_a_full_disk_never_lights_the_thank_you_led(tiny_disk, clock, factory):
    from kiosk.store.store import Store
    from tests.conftest import make_context

    store = Store(tiny_disk / "ratings.db", make_context(thank_you=0.5), clock=clock)
    events = Events()
    panel = make_panel(store, factory, events)
    filler = fill(tiny_disk)
    presses = 0
    while not events.of(FAILED) and presses < 500:  # the WAL may have room for a few
        clock.advance(60)
        time.sleep(0.002)
        press(factory, 1 + presses % 4)
        presses += 1
    [failed] = events.wait_for(FAILED)
    assert "full" in str(failed.error)
    saved = len(events.of(PRESSED))
    assert sum(times_lit(factory, f) for f in (1, 2, 3, 4)) == saved  # not one more
    assert panel.status.state == CANNOT_WRITE
    wait_until(lambda: len(factory.pin(STATUS).states) > 5)  # blinking fast
    off = [st.timestamp for st in factory.pin(STATUS).states[2:] if not st.state]
    assert all(t < 0.5 for t in off)  # 0.1 s on, 0.1 s off (with slack for a busy machine)
    filler.unlink()  # space is back
    clock.advance(60)
    time.sleep(0.05)
    press(factory, 4)
    assert events.of(PRESSED)[-1].score == 4
    assert panel.status.state == COLLECTING
    assert store.count() == saved + 1
    panel.close()
    store.close()


def test_a_failing_listener_does_not_stop_the_buttons(store, clock, factory):
    def broken(_event):
        raise RuntimeError("the UI crashed")

    panel = make_panel(store, factory, broken)
    press(factory, 2)
    clock.advance(60)
    time.sleep(0.04)
    press(factory, 3)
    assert store.count() == 2
    panel.close()


def test_an_unexpected_store_error_is_reported_and_lights_nothing(db_path, clock, factory):
    from kiosk.store.store import Store
    from tests.conftest import make_context

    store = Store(db_path, make_context(), clock=clock)
    events = Events()
    panel = make_panel(store, factory, events)
    store.close()  # a bug elsewhere closed the store under the panel
    press(factory, 2)
    [failed] = events.wait_for(FAILED)
    assert failed.score == 2
    assert lit(factory) == [False, False, False, False]
    time.sleep(0.05)
    press(factory, 3)  # the buttons still answer
    assert len(events.wait_for(FAILED, 2)) == 2
    panel.close()
