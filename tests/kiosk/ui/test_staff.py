"""Staff mode in the window: the corner, the PIN pad and its lockout, the staff screen's
figures against the store's own metrics, the hardware test, pause."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from kiosk.pin import hash_pin
from kiosk.tally import tally


@cache
def pin_settings() -> str:
    return (
        f'\n[staff]\npin_hash = "{hash_pin("2468")}"\ncorner = "top-left"\n'
        "long_press = 1\nwrong_pin_limit = 2\nwrong_pin_lockout = 1\n"
    )


def open_pad(k) -> None:
    before = k.screen
    touch = k.touch(k.app.corner, up=False)
    k.wait(0.5)
    assert k.screen == before  # not yet: the corner must be held
    k.wait(0.7)
    touch.touch_up()
    k.frames(2)
    assert k.screen == "pin"


def enter(k, digits: str) -> None:
    pad = k.app.screens["pin"].ids.pad
    keys = {b.text: b for b in pad.children}
    for digit in digits:
        k.touch(keys[digit])
    k.touch(keys["OK"])


def open_staff(k):
    """Staff mode, the way staff open it: the corner, then the right PIN."""
    open_pad(k)
    enter(k, "2468")
    assert k.screen == "staff"
    return k.app.screens["staff"]


def test_a_short_touch_in_the_corner_does_nothing(kiosk_ui):
    k = kiosk_ui(pin_settings())
    k.touch(k.app.corner)
    k.wait(1.3)
    assert k.screen == "question"


def test_right_pin_opens_staff_mode_and_back_returns(kiosk_ui):
    k = kiosk_ui(pin_settings())
    k.touch(open_staff(k).ids.back)
    assert k.screen == "question"


def test_wrong_pins_lock_the_pad_and_the_lock_doubles(kiosk_ui):
    k = kiosk_ui(pin_settings())
    pad = k.app.screens["pin"]
    open_pad(k)
    enter(k, "1111")
    assert pad.message == "Väärä PIN" and k.screen == "pin"
    enter(k, "2222")
    assert pad.message == "Lukittu 1 s"
    enter(k, "2468")  # the right PIN, but locked
    assert k.screen == "pin" and pad.message.startswith("Lukittu")
    k.clock.advance(1.1)  # the pad's clock is the store's: the test moves it
    enter(k, "3333")
    enter(k, "4444")
    assert pad.message == "Lukittu 2 s"  # the second lockout is twice as long
    k.clock.advance(2.1)
    enter(k, "2468")
    assert k.screen == "staff"


def test_no_pin_set_keeps_staff_mode_shut(kiosk_ui):
    k = kiosk_ui('\n[staff]\ncorner = "top-left"\nlong_press = 1\n')
    open_pad(k)
    enter(k, "0000")
    assert k.screen == "pin" and "hymio set-pin" in k.app.screens["pin"].message


def test_staff_numbers_are_the_store_metrics(kiosk_ui):
    k = kiosk_ui(pin_settings() + '\n[survey.followup]\nask = "never"\n')
    scores = (4, 4, 3, 1, 2, 4)
    for i, score in enumerate(scores):
        k.clock.advance(10)
        k.touch(k.face(score))
        assert k.showed("thanks")
        if i < len(scores) - 1:
            k.until(lambda: k.screen == "question")
    k.clock.advance(0.1)
    k.press_button(1)  # during the thank-you screen: a lockout, stored, not counted
    k.until(lambda: len(k.rows()) == 7 and k.screen == "question")
    staff = open_staff(k)
    text = "\n".join(w.text for w in staff.walk() if hasattr(w, "text") and w.text)
    today = tally(k.store).today
    assert today.counts == {1: 1, 2: 1, 3: 1, 4: 3}
    for score, count in today.counts.items():
        assert f"{score}: {count}" in text
    assert f"CSAT {today.csat:.0f} %" in text and f"Tyytyväisyysindeksi {today.index:.0f}" in text
    assert f"Tänään[/b]  {today.count} arviota" in text
    assert "kiitosnäkymän aikana 1" in text  # the lockout, named in Finnish
    assert "Odottaa: 7" in text and "ei koskaan" in text  # sync: 7 pending, never uploaded


def test_the_hardware_test_lights_and_ticks_without_recording(kiosk_ui):
    k = kiosk_ui(pin_settings())
    staff = open_staff(k)
    k.touch(staff.ids.test)
    assert staff.testing and k.parts.panel.mode == "test"
    k.press_button(2)
    k.until(lambda: staff.tested[2].selected)
    assert k.parts.panel.leds[1].is_lit
    assert not staff.tested[1].selected and k.rows() == []
    k.touch(staff.ids.back)
    assert k.parts.panel.mode == "collect"
    k.press_button(3)
    k.until(lambda: len(k.rows()) == 1)


def test_pause_stops_collection_until_resumed(kiosk_ui):
    k = kiosk_ui(pin_settings())
    staff = open_staff(k)
    k.touch(staff.ids.pause)
    assert staff.pause_text == "Jatka keräystä"
    k.touch(staff.ids.back)
    assert k.screen == "paused"
    k.press_button(4)
    k.wait(0.3)
    assert k.rows() == [] and k.screen == "paused"
    open_staff(k)
    k.touch(staff.ids.pause)
    k.touch(staff.ids.back)
    assert k.screen == "question"
    k.press_button(4)
    k.until(lambda: k.rows() == [(4, "button", None, None)])


def test_staff_mode_closes_by_itself_when_left_alone(kiosk_ui):
    k = kiosk_ui(pin_settings())
    open_staff(k)  # with the shop's 60 s: checking the PIN may take a while on a busy CPU
    k.app.conductor.staff_timeout = 1.0
    k.app.conductor.activity()  # the staff's last touch, timed from here
    assert k.screen == "staff"
    k.until(lambda: k.screen == "question", timeout=3)


def test_the_status_led_blinks_while_sync_cannot_reach_hq(kiosk_ui):
    from hardware.status import HQ_AWAY
    from kiosk.store.ledger import Ledger

    k = kiosk_ui()
    k.press_button(4)
    k.until(lambda: len(k.rows()) == 1)
    Ledger(k.store).note(last_error="HQ could not be reached: connection failed or was cut")
    k.app.conductor.check_hours()
    assert k.parts.panel.status.state == HQ_AWAY
    Ledger(k.store).note(last_error=None)
    k.app.conductor.check_hours()
    assert k.parts.panel.status.state == "collecting"


def test_the_pin_pad_and_the_staff_times_follow_the_chosen_language(kiosk_ui):
    from kiosk.store.ledger import Ledger

    k = kiosk_ui(pin_settings())
    keys = lambda: {b.text for b in k.app.screens["pin"].ids.pad.children}  # noqa: E731
    assert "Peruuta" in keys()  # the default language: Finnish
    k.app.conductor.choose_language("en")
    assert "Cancel" in keys() and "Peruuta" not in keys()
    assert k.app.screens["pin"].title == "Staff PIN"
    k.app.conductor.choose_language("sv")
    assert "Avbryt" in keys()
    # The last upload, three minutes ago, in words and the store's local time.
    now = k.store.clock.now()
    Ledger(k.store).note(last_success=(now - timedelta(minutes=3)).isoformat())
    k.app.conductor.choose_language("en")
    staff = open_staff(k)
    texts = [w.text for w in staff.walk() if hasattr(w, "text")]
    assert any("Last upload: 3 min ago" in text for text in texts), texts
    assert not any("+00:00" in text for text in texts)
