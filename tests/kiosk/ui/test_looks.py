"""Every screen at 800×480 and 720×1280 in Finnish, Swedish and English: every text fits
its box, the faces fit the window, and a screenshot of each goes to artifacts/kiosk/."""

from __future__ import annotations

import pytest
from kivy.uix.label import Label

from kiosk.pin import hash_pin
from kiosk.shopper import CLOSED_SCREEN, FOLLOWUP, THANKS, Step
from tests.kiosk.ui.conftest import LANDSCAPE, PORTRAIT

SETTINGS = f"""
[survey.followup]
ask = "always"
[staff]
pin_hash = "{hash_pin("2468")}"
"""


def overflowing(root) -> list[str]:
    """Texts on screen that do not fit their box."""
    bad = []
    for w in root.walk():
        if isinstance(w, Label) and w.text and w.opacity > 0 and w.get_root_window():
            tw, th = w.texture_size
            if tw > w.width + 2 or th > w.height + 2:
                bad.append(f"{w.text!r}: {tw:.0f}×{th:.0f} in {w.width:.0f}×{w.height:.0f}")
    return bad


def inside(k, widget) -> bool:
    x, y = widget.to_window(widget.x, widget.y)
    w, h = k.window.size
    return x >= 0 and y >= 0 and x + widget.width <= w and y + widget.height <= h


@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["800x480", "720x1280"])
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_every_screen_fits(kiosk_ui, size, language):
    k = kiosk_ui(SETTINGS, size=size)
    c = k.app.conductor
    shots = {}

    def look(name: str) -> None:
        k.frames(3)
        shots[name] = overflowing(k.root)
        k.screenshot(f"{name}-{language}")

    c.choose_language(language)
    look("question")
    assert all(inside(k, face) for face in k.app.screens["question"].buttons)
    c.show(Step(THANKS, 4, seconds=30))
    look("thanks")
    c.show(Step(FOLLOWUP, 1, seconds=30, reasons=k.parts.settings.survey.followup.reasons))
    look("followup")
    c.show(Step(CLOSED_SCREEN, 4))
    look("closed")
    c.back_to_question()
    k.app.banner.text = c.t("Your answer could not be saved. Please tell the staff.")
    look("error-banner")
    k.app.banner.text = ""
    c.open_pin()
    k.app.screens["pin"].message = c.t("Locked for {seconds} s", seconds=120)
    look("pin")
    for score in (4, 3, 1, 4):
        k.clock.advance(10)
        k.store.record(score, "button")
    c.open_staff()
    look("staff")
    c.toggle_pause()
    c.leave_staff()
    look("paused")
    assert {name: bad for name, bad in shots.items() if bad} == {}


@pytest.mark.parametrize("scale", ["smiley3", "smiley5", "nps", "ces"])
@pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["800x480", "720x1280"])
def test_every_scale_fits(kiosk_ui, scale, size):
    k = kiosk_ui(f'\n[survey]\nscale = "{scale}"\n', size=size)
    buttons = k.app.screens["question"].buttons
    assert len(buttons) == {"smiley3": 3, "smiley5": 5, "nps": 11, "ces": 7}[scale]
    k.frames(3)
    assert all(inside(k, b) for b in buttons)
    assert overflowing(k.root) == []
    k.screenshot(f"question-{scale}")
