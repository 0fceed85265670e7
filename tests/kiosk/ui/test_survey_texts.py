"""The survey's own follow-up prompt, thank-you line and reason pictograms (issue 29), as HQ
sends them, in a real Kivy window offscreen at 800×480 and 720×1280; without them the
built-in texts, as before. Screenshots go to artifacts/kiosk/survey-*."""

from __future__ import annotations

import pytest

from kiosk.i18n import gettext
from kiosk.settings.overlay import overlay_body, write_overlay
from tests.kiosk.ui.conftest import LANDSCAPE, PORTRAIT

SIZES = pytest.mark.parametrize("size", [LANDSCAPE, PORTRAIT], ids=["800x480", "720x1280"])
PROMPT = {"fi": "Mikä jäi mieleen?", "sv": "Vad stack ut?", "en": "What stood out?"}
THANKS = {"fi": "Hyvää joulua!", "sv": "God jul!", "en": "Merry Christmas!"}
SURVEY = {
    "question": {"fi": "Löysitkö lahjan?", "sv": "Hittade du en gåva?", "en": "Found a gift?"},
    "followup": {"reasons": ["queue", "staff", "gifts"], "prompt": PROMPT},
    "reason_text": {"gifts": {"fi": "Lahjat", "sv": "Gåvor", "en": "Gifts"}},
    "reason_pictogram": {"queue": "queue", "gifts": "cart"},
    "thanks": THANKS,
}


def pulled(tmp_path, survey: dict, version: int = 7) -> None:
    """The overlay sync writes from HQ's answer, next to the kiosk's database."""
    write_overlay(tmp_path / "hq-survey.json", overlay_body({"version": version, "survey": survey}))


def reasons(k) -> list:
    return k.app.screens["followup"].ids.reasons.children[::-1]


@SIZES
@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_surveys_prompt_pictograms_and_thanks_are_shown(kiosk_ui, tmp_path, size, language):
    k = kiosk_ui(size=size, thank_you=30)
    pulled(tmp_path, SURVEY)  # sync pulls while the kiosk runs; it takes them up between shoppers
    k.app.conductor.reload_if_changed()
    assert k.app.conductor.settings.survey.version == 7
    k.app.conductor.choose_language(language)
    assert k.app.screens["question"].question == SURVEY["question"][language]
    k.touch(k.face(1))
    assert k.screen == "followup"
    follow = k.app.screens["followup"]
    assert follow.title == PROMPT[language]
    buttons = reasons(k)
    assert [b.text for b in buttons][2] == SURVEY["reason_text"]["gifts"][language]
    pictures = [b.picture for b in buttons]
    assert pictures[0].endswith("pictograms/queue.png") and pictures[1] == ""
    assert pictures[2].endswith("pictograms/cart.png")
    k.frames(3)
    shot = k.screenshot(f"survey-followup-{language}")
    assert_pictogram_drawn(shot, buttons[0], k.window)
    k.touch(buttons[2])
    assert k.screen == "thanks"
    assert k.app.screens["thanks"].title == THANKS[language]
    assert k.rows()[-1][3] == "gifts"
    k.screenshot(f"survey-thanks-{language}")


def assert_pictogram_drawn(shot, button, window) -> None:
    """Ink (dark pixels) in the upper half of the button, where the pictogram is."""
    from PIL import Image

    image = Image.open(shot).convert("L")
    x, y = button.to_window(button.x, button.y)
    top = window.height - (y + button.height)  # the screenshot counts rows from the top
    box = (int(x + button.width * 0.3), int(top + 4), int(x + button.width * 0.7))
    box = (*box, int(top + button.height * 0.45))
    dark = sum(1 for p in image.crop(box).getdata() if p < 90)
    assert dark > 50, f"no pictogram drawn in {box}: {dark} dark pixels"


@SIZES
def test_without_the_surveys_texts_the_built_in_ones_stay(kiosk_ui, size):
    k = kiosk_ui(size=size)
    k.app.conductor.choose_language("sv")
    k.touch(k.face(1))
    follow = k.app.screens["followup"]
    assert follow.title == gettext("sv", "What was the main reason?") != "What was the main reason?"
    assert all(b.picture == "" for b in reasons(k))
    k.touch(reasons(k)[0])
    assert k.app.screens["thanks"].title == gettext("sv", "Thank you!")


def test_hqs_preview_draws_the_faces_in_the_kiosks_colours():
    from hq.dashboard.survey.form import FACE_COLOURS
    from kiosk.ui.faces import COLOURS

    as_hex = {k: "#" + "".join(f"{round(c * 255):02x}" for c in rgb) for k, rgb in COLOURS.items()}
    assert as_hex == FACE_COLOURS


ALTERNATES = {
    "alternates": [
        {"question_id": "checkout", "question": {"fi": "Sujuiko kassalla?",
         "sv": "Gick det bra i kassan?", "en": "Was checkout smooth?"}},
        {"question_id": "gifts", "question": {"fi": "Löysitkö lahjan?",
         "sv": "Hittade du en gåva?", "en": "Found a gift?"}},
    ]
}  # fmt: skip


@SIZES
def test_the_surveys_questions_are_shown_in_turn_each_rating_named_by_its_own(
    kiosk_ui, tmp_path, size
):
    k = kiosk_ui(size=size, thank_you=30)
    pulled(tmp_path, ALTERNATES)
    c = k.app.conductor
    c.reload_if_changed()
    c.choose_language("en")
    asked = []
    for _ in range(4):
        asked.append(k.app.screens["question"].question)
        k.touch(k.face(4))  # happy: no follow-up, straight to the thanks
        assert k.screen == "thanks"
        k.clock.advance(31)  # past the thank-you: the next shopper
        c.back_to_question()
    assert asked == ["How did we do today?", "Was checkout smooth?", "Found a gift?",
                     "How did we do today?"]  # fmt: skip
    stamped = k.store.read("SELECT question_id, config_version FROM ratings ORDER BY seq")
    assert stamped == [("overall", 7), ("checkout", 7), ("gifts", 7), ("overall", 7)]
    k.screenshot("survey-alternate-en")
