"""The store's "you said, we did" message on the thank-you screen (issue 19), in a real
Kivy window offscreen at 800×480 and 720×1280: in Finnish, Swedish and English, on one
line that fits, in the language on screen, and never outside opening hours. Screenshots
go to artifacts/kiosk/thanks-message-*."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk.settings.overlay import overlay_body, write_overlay
from kiosk.shopper import THANKS, Step
from kiosk.timekeeping.clock import ManualClock
from tests.kiosk.ui.conftest import LANDSCAPE, PORTRAIT

MESSAGES = {
    "fi": "Sanoitte jonojen olevan pitkiä – avaamme kolmannen kassan arkisin klo 16–18.",
    "sv": "Ni sa att köerna var långa – vi öppnar en tredje kassa vardagar kl. 16–18.",
    "en": "You said the queues were long – we now open a third checkout on weekdays 16–18.",
}
SIZES = pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["800x480", "720x1280"])
WEDNESDAY_NOON = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 12:00 in Helsinki


def pulled(tmp_path, messages: dict[str, str], version: int = 0) -> None:
    """The overlay sync writes from HQ's answer, next to the kiosk's database."""
    body = {"version": version, "survey": {}, "hours": {}, "message": messages}
    write_overlay(tmp_path / "hq-survey.json", overlay_body(body))


def message_label(k):
    return k.app.screens["thanks"].ids.message


def one_line_that_fits(label) -> bool:
    from kivy.core.text import Label as CoreLabel

    line = CoreLabel(font_size=label.font_size, font_name=label.font_name).get_extents("Åg")[1]
    width, height = label.texture_size
    return height <= line * 1.3 and width <= label.width + 2 and label.height >= height


@SIZES
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_thank_you_screen_shows_the_stores_message_on_one_line(
    kiosk_ui, tmp_path, size, language
):
    pulled(tmp_path, MESSAGES)
    k = kiosk_ui(size=size, thank_you=30)
    c = k.app.conductor
    c.choose_language(language)
    k.touch(k.face(4))  # a shopper's tap, through the store, to the thank-you screen
    assert k.screen == "thanks"
    k.frames(3)
    label = message_label(k)
    assert label.text == MESSAGES[language]
    assert one_line_that_fits(label), (label.texture_size, label.size, label.font_size)
    assert label.font_size >= max(14, k.app.unit * 2)  # shrunk to fit, never below readable
    x, y = label.to_window(label.x, label.y)
    assert x >= 0 and y >= 0 and x + label.width <= k.window.width
    k.screenshot(f"thanks-message-{language}")


def drawn(label) -> str:
    """The text the label drew (Kivy's core label keeps its laid-out lines)."""
    return "".join(w.text for line in label._label._cached_lines for w in line.words)


@SIZES
def test_the_longest_message_shrinks_to_fit_and_a_wider_one_ends_in_an_ellipsis(
    kiosk_ui, tmp_path, size
):
    longest = "Kiitos palautteesta! Kassajonot lyhenivät, kun avasimme kolmannen kassan iltaisin."
    longest += " Tervetuloa"[: 90 - len(longest)]
    shouting = ("WOW " * 23)[:90]  # wide letters: too wide even at the smallest size
    pulled(tmp_path, {"fi": longest, "en": shouting})
    k = kiosk_ui(size=size)
    c = k.app.conductor
    c.choose_language("fi")
    c.show(Step(THANKS, 4, seconds=30))
    k.frames(3)
    label = message_label(k)
    assert len(label.text) == 90 and one_line_that_fits(label)
    assert drawn(label) == longest  # all of it, smaller
    k.screenshot("thanks-message-longest-fi")
    c.choose_language("en")
    c.show(Step(THANKS, 4, seconds=30))
    k.frames(3)
    assert label.text == shouting and one_line_that_fits(label)
    assert label.font_size == max(14, k.app.unit * 2)  # as small as it goes, then cut
    assert drawn(label).endswith("...") and len(drawn(label)) < len(shouting)
    k.screenshot("thanks-message-ellipsis-en")


@SIZES
def test_no_message_in_a_language_without_one_and_no_room_taken(kiosk_ui, tmp_path, size):
    pulled(tmp_path, {"fi": MESSAGES["fi"]})
    k = kiosk_ui(size=size)
    c = k.app.conductor
    c.choose_language("sv")
    c.show(Step(THANKS, 4, seconds=30))
    k.frames(3)
    assert message_label(k).text == "" and message_label(k).height == 0
    c.choose_language("fi")
    c.show(Step(THANKS, 4, seconds=30))
    k.frames(3)
    assert message_label(k).text == MESSAGES["fi"] and message_label(k).height > 0


@SIZES
def test_the_message_is_never_shown_outside_opening_hours(kiosk_ui, tmp_path, size):
    pulled(tmp_path, MESSAGES)
    clock = ManualClock(WEDNESDAY_NOON)
    k = kiosk_ui('\n[hours]\nwed = "16:00-21:00"\n', size=size, clock=clock, thank_you=30)
    c = k.app.conductor
    c.choose_language("en")
    c.check_hours()
    assert k.screen == "closed"
    k.press_button(4)  # a press while closed: recorded as such, and the closed screen stays
    k.until(lambda: len(k.rows()) == 1)
    k.frames(3)
    assert k.screen == "closed" and k.rows()[-1][2] == "closed"
    c.show(Step(THANKS, 4, seconds=30))  # even a thank-you shown now carries no message
    k.frames(3)
    assert message_label(k).text == ""
    k.screenshot("thanks-message-closed-en")
    c.back_to_question()
    assert k.screen == "closed"
    clock.advance(5 * 3600)  # 17:00: open
    c.check_hours()
    k.frames(3)
    assert k.screen == "question"
    k.touch(k.face(4))
    assert k.screen == "thanks" and message_label(k).text == MESSAGES["en"]
    clock.advance(5 * 3600)  # 22:00: closed again
    c.show(Step(THANKS, 4, seconds=30))
    assert message_label(k).text == ""


@SIZES
def test_an_unsynchronised_clock_shows_no_message(kiosk_ui, tmp_path, size):
    pulled(tmp_path, MESSAGES)
    k = kiosk_ui(size=size, clock=ManualClock(WEDNESDAY_NOON, synchronized=False))
    k.app.conductor.show(Step(THANKS, 4, seconds=30))
    assert message_label(k).text == ""


@SIZES
def test_a_new_message_from_hq_is_taken_between_shoppers(kiosk_ui, tmp_path, size):
    k = kiosk_ui(size=size)
    c = k.app.conductor
    c.choose_language("fi")
    c.show(Step(THANKS, 4, seconds=30))
    assert message_label(k).text == ""  # none yet
    c.back_to_question()
    pulled(tmp_path, {"fi": "Uusi viesti"})
    c.back_to_question()  # the next shopper's turn: the overlay is read again
    c.show(Step(THANKS, 4, seconds=30))
    assert message_label(k).text == "Uusi viesti"


def test_a_message_published_at_a_real_hq_is_shown_once_sync_has_pulled_it(kiosk_ui, tmp_path):
    from kiosk.store.ledger import Ledger
    from sync.client import HQClient
    from sync.config_pull import pull_config
    from tests.hq.conftest import LiveServer, make_hq
    from tests.sync.test_store_message_pull import dashboard, publish

    hq = make_hq(f"sqlite:///{tmp_path / 'hq.db'}")
    k = kiosk_ui(thank_you=30)
    c = k.app.conductor
    try:
        with LiveServer(hq.app) as server:
            browser, csrf = dashboard(server.url)
            for language, text in MESSAGES.items():
                publish(browser, server.url, csrf, language, text)
            client = HQClient(server.url, hq.token)
            assert pull_config(k.parts.settings, Ledger(k.store), client) == "updated"
            client.close()
    finally:
        hq.client.close()
        hq.app.state.engine.dispose()
    # Like new survey settings, the message is taken between shoppers: the one on the
    # thank-you screen now still sees the old (none), the next ones the new.
    k.touch(k.face(4))
    assert k.screen == "thanks" and message_label(k).text == ""
    c.back_to_question()
    for language in ("sv", "en", "fi"):
        k.clock.advance(31)  # past the last thank-you: a new shopper
        c.choose_language(language)
        k.touch(k.face(3))
        assert k.screen == "thanks" and message_label(k).text == MESSAGES[language]
        k.screenshot(f"thanks-message-from-hq-{language}")
        c.back_to_question()  # the next shopper
