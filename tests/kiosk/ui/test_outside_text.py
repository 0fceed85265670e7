"""Text from outside the kiosk's code is never markup (issue 27, finding 3): HQ's error
message on the staff screen, the settings' question and reason labels, the store's message
from HQ. Each is drawn as written, in a real Kivy window offscreen, on a label of its
normal size, and the kiosk's resident memory does not jump when staff open their screen."""

from __future__ import annotations

from kiosk.store.ledger import Ledger
from tests.kiosk.ui.test_memory import rss_kb
from tests.kiosk.ui.test_staff import open_staff, pin_settings
from tests.kiosk.ui.test_store_message import message_label, pulled

HOSTILE = "[size=60000]x[/size]"


def drawn(label) -> str:
    """The text Kivy laid out for *label*, word by word, as it is on the screen."""
    label.texture_update()
    return " ".join(
        "".join(word.text for word in line.words) for line in label._label._cached_lines
    )


def labels(k):
    from kivy.uix.label import Label

    for screen in k.app.screens.values():
        yield from (w for w in screen.walk() if isinstance(w, Label))
    yield k.app.banner


def only_our_markup(k) -> None:
    """Every label that reads markup has just the bold of a heading: the rest is escaped."""
    for label in labels(k):
        if label.markup:
            assert "[" not in label.text.replace("[b]", "").replace("[/b]", ""), label.text


def test_hqs_error_text_is_drawn_as_written_on_the_staff_screen(kiosk_ui):
    k = kiosk_ui(pin_settings())
    Ledger(k.store).note(last_error="Pending: 3")  # an ordinary one-line error, first
    staff = open_staff(k)
    k.frames(3)
    normal = next(w for w in staff.walk() if getattr(w, "text", "").startswith("Viimeisin virhe"))
    normal_height = normal.texture_size[1]
    k.touch(staff.ids.back)

    Ledger(k.store).note(last_error=HOSTILE)
    before = rss_kb()
    staff = open_staff(k)
    k.frames(3)
    after = rss_kb()
    line = next(w for w in staff.walk() if getattr(w, "text", "").startswith("Viimeisin virhe"))
    assert after - before < 30_000, f"RSS grew by {after - before} kB drawing the staff screen"
    assert line.texture_size[1] == normal_height, line.texture_size
    assert drawn(line) == f"Viimeisin virhe: {HOSTILE}"
    only_our_markup(k)


def test_a_long_error_with_line_breaks_is_one_bounded_line(kiosk_ui):
    from kiosk.ui.widgets import LONGEST

    k = kiosk_ui(pin_settings())
    Ledger(k.store).note(last_error=("HQ says no\n" * 5000) + "\x00\x1b[31m")
    staff = open_staff(k)
    k.frames(3)
    line = next(w for w in staff.walk() if getattr(w, "text", "").startswith("Viimeisin virhe"))
    assert "\n" not in line.text and "\x1b" not in line.text
    assert len(line.text) <= len("Viimeisin virhe: ") + LONGEST and line.text.endswith("…")
    # the card's width holds a few dozen characters: a handful of lines, not 5000
    assert line.texture_size[1] < 12 * line.font_size, line.texture_size


def test_settings_and_hq_texts_are_never_markup_on_any_screen(kiosk_ui, tmp_path):
    question = "[size=60000]Miten[/size] [color=ff0000]onnistuimme[/color]?"
    reason = "[b]Jono[/b] [size=900]"
    pulled(tmp_path, {"fi": "[size=60000]Kiitos[/size] & [i]tervetuloa[/i]"})
    k = kiosk_ui(
        pin_settings()
        + f'\n[survey.question]\nfi = "{question}"\nsv = "{question}"\nen = "{question}"\n'
        + '\n[survey.followup]\nask = "always"\nreasons = ["queue", "other"]\n'
        + f'\n[survey.reason_text.queue]\nfi = "{reason}"\nsv = "{reason}"\nen = "{reason}"\n'
    )
    asked = k.app.screens["question"]
    shown = next(w for w in asked.walk() if getattr(w, "text", None) == question)
    assert drawn(shown) == question and not shown.markup
    k.touch(k.face(1))
    assert k.screen == "followup"
    button = next(w for w in k.app.screens["followup"].walk() if getattr(w, "text", "") == reason)
    assert drawn(button) == reason and button.texture_size[1] < 200
    k.touch(button)
    assert k.showed("thanks")
    k.frames(3)
    label = message_label(k)
    assert drawn(label).startswith("[size=60000]Kiitos[/size]") and not label.markup
    assert label.texture_size[1] < 200
    only_our_markup(k)
    k.until(lambda: k.screen == "question")
    open_staff(k)
    only_our_markup(k)
    staff_texts = [w.text for w in k.app.screens["staff"].walk() if hasattr(w, "text")]
    assert any(reason in text for text in staff_texts), staff_texts  # the reason's tally
