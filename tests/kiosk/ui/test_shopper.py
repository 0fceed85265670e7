"""The shopper's side in a real (offscreen) Kivy window: taps and button presses take the
same path to the store, the screens follow, nothing is thanked that was not saved."""

from __future__ import annotations

import pytest

from tests.conftest import fill
from tests.kiosk.ui.conftest import LANDSCAPE, PORTRAIT

NO_FOLLOWUP = '\n[survey.followup]\nask = "never"\n'


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_tapping_each_face_records_it_and_thanks(kiosk_ui, size):
    k = kiosk_ui(NO_FOLLOWUP, size=size)
    assert k.screen == "question"
    for score in (1, 2, 3, 4):
        k.clock.advance(10)
        k.touch(k.face(score))
        assert k.showed("thanks")
        assert k.app.screens["thanks"].kind == k.parts.settings.survey.faces[score - 1]
        k.until(lambda: k.screen == "question", timeout=3)
    assert k.rows() == [(s, "touch", None, None) for s in (1, 2, 3, 4)]


def test_a_button_press_shows_its_face(kiosk_ui):
    k = kiosk_ui()
    k.press_button(3)
    k.until(lambda: k.showed("thanks"))
    assert k.app.screens["thanks"].kind == "happy"
    assert k.rows() == [(3, "button", None, None)]
    lit = [led.is_lit for led in k.parts.panel.leds]
    assert lit == [False, False, True, False]


def test_presses_during_thanks_are_lockouts_and_do_not_restart_it(kiosk_ui):
    k = kiosk_ui()
    k.touch(k.face(4))
    k.clock.advance(0.2)
    k.press_button(1)
    k.until(lambda: len(k.rows()) == 2)
    k.frames(2)  # the lockout shows nothing: the first shopper's thanks stays as it was
    assert not k.showed("thanks") and k.app.screens["thanks"].kind == "very_happy"
    assert k.rows() == [(4, "touch", None, None), (1, "button", "lockout", None)]
    k.until(lambda: k.screen == "question", timeout=2)


FOLLOWUP = """
[survey.followup]
ask = "negative"
timeout = 2
"""


def test_a_chosen_reason_is_stored_on_the_same_rating(kiosk_ui):
    k = kiosk_ui(FOLLOWUP)
    k.touch(k.face(1))
    assert k.screen == "followup"
    labels = [b.text for b in k.app.screens["followup"].ids.reasons.children[::-1]]
    assert labels == ["Jono", "Palvelu", "Hinnat", "Tuote puuttui", "Siisteys", "Muu syy"]
    queue = k.app.screens["followup"].ids.reasons.children[-1]
    k.touch(queue)
    assert k.showed("thanks")
    assert k.rows() == [(1, "touch", None, "queue")]


def test_no_choice_leaves_no_reason_and_returns(kiosk_ui):
    k = kiosk_ui(FOLLOWUP)
    k.touch(k.face(2))
    assert k.screen == "followup"
    k.until(lambda: k.screen == "question", timeout=4)
    assert k.rows() == [(2, "touch", None, None)]
    assert k.store.read("SELECT followup_until_ns FROM ratings")[0][0] is None  # final


def test_a_happy_face_asks_nothing(kiosk_ui):
    k = kiosk_ui(FOLLOWUP)
    k.press_button(4)
    k.until(lambda: k.showed("thanks"))
    assert not k.showed("followup")


def test_closed_hours_show_the_closed_screen_and_flag_presses(kiosk_ui):
    k = kiosk_ui('\n[hours]\nwed = "closed"\n')
    assert k.screen == "closed"
    assert k.app.screens["closed"].title == "Olemme suljettu"
    k.press_button(4)
    k.until(lambda: len(k.rows()) == 1)
    k.frames(2)
    assert k.screen == "closed" and k.rows() == [(4, "button", "closed", None)]


def test_a_full_disk_shows_the_banner_and_never_thanks(kiosk_ui, tiny_disk):
    k = kiosk_ui(NO_FOLLOWUP, db=tiny_disk / "ratings.db")
    k.touch(k.face(4))
    assert k.showed("thanks")
    k.until(lambda: k.screen == "question", timeout=3)
    filler = fill(tiny_disk)
    saved = len(k.rows())
    for _ in range(200):  # SQLite may still fit a few rows in pages it already has
        k.clock.advance(10)
        k.touch(k.face(3))
        if k.app.banner.text:
            break
        assert k.showed("thanks") and len(k.rows()) == saved + 1
        saved += 1
        k.until(lambda: k.screen == "question", timeout=3)
    assert k.screen == "question" and not k.showed("thanks")  # not saved: no thank-you
    assert "ei voitu tallentaa" in k.app.banner.text
    assert len(k.rows()) == saved
    k.press_button(2)
    k.wait(0.3)
    assert k.screen == "question" and k.parts.panel.leds[1].is_lit is False
    filler.unlink()
    k.clock.advance(10)
    k.touch(k.face(3))
    assert k.showed("thanks") and k.app.banner.text == ""
    assert len(k.rows()) == saved + 1


def test_a_duplicated_touch_and_mouse_pair_records_once(kiosk_ui):
    k = kiosk_ui()
    face = k.face(2)
    k.touch(face, device="hidinput")
    k.touch(face, device="mouse")  # the same tap, emulated as a mouse click
    assert k.rows() == [(2, "touch", None, None)]


def test_escape_and_close_requests_do_nothing(kiosk_ui):
    k = kiosk_ui()
    assert k.window.dispatch("on_keyboard", 27, 41, None, []) is True
    assert k.window.dispatch("on_request_close") is True
    k.frames(2)
    assert k.screen == "question" and k.root.parent is k.window


def test_the_language_switch_returns_to_the_default_when_idle(kiosk_ui):
    k = kiosk_ui()
    question = k.app.screens["question"]
    k.touch(question.language_buttons["sv"])
    assert question.question == "Hur lyckades vi i dag?"
    k.clock.advance(10)
    k.touch(k.face(4))
    assert k.app.screens["thanks"].title == "Tack!"
    k.until(lambda: question.question == "Miten onnistuimme tänään?", timeout=8)


def test_keys_1_to_4_press_the_simulated_buttons(kiosk_ui):
    k = kiosk_ui()
    k.window.dispatch("on_keyboard", ord("3"), 32, "3", [])
    k.window.dispatch("on_key_up", ord("3"), 32)
    k.until(lambda: k.screen == "thanks")
    assert k.rows() == [(3, "button", None, None)]


def test_nps_is_touch_only_with_eleven_numbers(kiosk_ui):
    k = kiosk_ui('\n[survey]\nscale = "nps"\n')
    buttons = k.app.screens["question"].buttons
    assert [b.text for b in buttons] == [str(n) for n in range(11)]
    assert k.parts.panel is None
    k.touch(buttons[9])
    assert k.showed("thanks") and k.app.screens["thanks"].number == "9"
    assert k.rows() == [(9, "touch", None, None)]
