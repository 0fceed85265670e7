"""The staff screen: today's figures, the hours, the last 7 days, reasons, sync, the
device, a hardware test and pause. Built from :func:`kiosk.staff.staff_report`.

Only the card headings are markup (bold); every text from outside the kiosk's code (HQ's
error messages, the settings' reason labels, the device and store ids) is drawn as
written, on one line of at most :data:`kiosk.ui.widgets.LONGEST` characters: HQ's
``[size=60000]`` once made a 370 x 632 837 px label (2 GB) here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.factory import Factory
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget
from kivy.utils import escape_markup

from kiosk.staff import when
from kiosk.ui.faces import Face
from kiosk.ui.widgets import BarChart, plain


class StaffScreen(Screen):
    """Shows a staff report; the buttons call back into the app."""

    back_text = StringProperty("")
    pause_text = StringProperty("")
    test_text = StringProperty("")
    testing = BooleanProperty(False)

    def setup(self, actions: dict[str, Callable[[], None]]) -> None:
        self.actions = actions
        for column in (self.ids.left, self.ids.right):
            column.bind(minimum_height=self._even)

    def _even(self, *_args) -> None:
        # Side by side, both columns as tall as the taller, so both start at the top.
        left, right = self.ids.left, self.ids.right
        if self.height > self.width:  # one column: each card stack its own height
            left.height, right.height = left.minimum_height, right.minimum_height
        else:
            left.height = right.height = max(left.minimum_height, right.minimum_height)

    def leave(self) -> None:
        self.actions["back"]()

    def toggle_pause(self) -> None:
        self.actions["pause"]()

    def toggle_test(self) -> None:
        self.actions["test"]()

    def show(self, report: dict[str, Any], t: Callable[[str], str], faces: tuple[str, ...]) -> None:
        """Fill the cards from *report*; *t* translates a text."""
        left, right = self.ids.left, self.ids.right
        left.clear_widgets()
        right.clear_widgets()
        self.tested: dict[int, Face] = {}
        figures, sync, device = report["tally"], report["sync"], report["device"]
        today = figures.today
        card = _card(left)
        _heading(card, t("Today"), f"{today.count} {t('ratings')}")
        if self.testing:
            _line(card, t("Press each button: its light comes on and its face ticks here."))
        row = BoxLayout(size_hint_y=None, height=card.height or 60, spacing=8)
        row.height = 70
        for i, (score, count) in enumerate(today.counts.items()):
            cell = BoxLayout(orientation="vertical")
            if faces:
                face = Face(kind=faces[i], score=score)
                self.tested[score] = face
                cell.add_widget(face)
            cell.add_widget(Factory.StaffLine(text=f"{score}: {count}", halign="center"))
            row.add_widget(cell)
        card.add_widget(row)
        if today.csat is not None:
            _line(
                card,
                f"{t('CSAT')} {today.csat:.0f} %   {t('Satisfaction index')} {today.index:.0f}",
            )
        elif today.nps is not None:
            _line(card, f"NPS {today.nps:+.0f}")
        elif today.ces is not None:
            _line(card, f"CES {today.ces:.1f}")
        left_out = sum(figures.flagged.values())
        if left_out:
            flags = ", ".join(f"{t(k)} {v}" for k, v in sorted(figures.flagged.items()))
            _line(card, f"{t('Not counted')}: {flags}")

        card = _card(right)
        _heading(card, t("Hours of today"))
        hours = [s.count for _, s in figures.hours]
        labels = [str(h) if h % 3 == 0 else "" for h, _ in figures.hours]
        card.add_widget(BarChart(values=hours, labels=labels, size_hint_y=None, height=110))
        _heading(card, t("Last 7 days"))
        days = [f"{d.day}.{d.month}." for d, _ in figures.days]
        counts = [s.count for _, s in figures.days]
        card.add_widget(BarChart(values=counts, labels=days, size_hint_y=None, height=110))

        card = _card(left)
        _heading(card, t("Reasons"))
        if figures.reasons:
            for key, n in sorted(figures.reasons.items(), key=lambda kv: -kv[1]):
                _line(card, f"{t('reason:' + key)}: {n}")
        else:
            _line(card, t("none"))

        card = _card(left)
        _heading(card, t("Sync"))
        last = when(sync["last_success"], device["now"], device["tz"], t)
        _line(card, f"{t('Last upload')}: {last}")
        _line(card, f"{t('Pending')}: {sync['pending']}")
        if sync["held"]:
            _line(card, f"{t('Refused by HQ')}: {sync['held']}")
        _line(card, f"{t('Last error')}: {sync['last_error'] or t('none')}")
        card = _card(right)
        _heading(card, t("Device"), f"{device['id']} / {device['store']}")
        _line(card, f"{t('Version')} {device['version']}   {t('IP address')} {device['ip'] or '-'}")
        synced = t("yes") if device["clock_synced"] else t("no")
        _line(card, f"{t('Clock synchronised')}: {synced}")
        _line(card, f"{t('Free disk')}: {device['disk_free'] / 1e9:.1f} GB")
        for column in (left, right):  # takes the spare height, so the cards start at the top
            column.add_widget(Widget())
        self.ids.scroll.scroll_y = 1

    def tick(self, score: int) -> None:
        """A button pressed during the hardware test: tick its face."""
        face = getattr(self, "tested", {}).get(score)
        if face is not None:
            face.selected = True


def _card(parent) -> BoxLayout:
    card = Factory.Card()
    parent.add_widget(card)
    return card


def _heading(card, title: str, rest: str = "") -> None:
    # The bold is ours; the title and what follows it are escaped, never read as markup.
    text = f"[b]{escape_markup(plain(title))}[/b]"
    if rest:
        text += f"  {escape_markup(plain(rest))}"
    card.add_widget(Factory.StaffLine(text=text, markup=True))


def _line(card, text: str) -> None:
    card.add_widget(Factory.StaffLine(text=plain(text), markup=False))
