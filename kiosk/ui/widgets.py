"""Small widgets shared by the screens: a flat button, the error banner, a text on one
line, a bar chart; :func:`plain` bounds a text from outside before it is drawn."""

from __future__ import annotations

import re

from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.widget import Widget

LONGEST = 300  # characters of one text from outside drawn on a screen (HQ's, the settings')
_SPACES = re.compile(r"[\s\x00-\x1f\x7f]+")


def plain(text: str, longest: int = LONGEST) -> str:
    """*text* on one line (line breaks and control characters as one space), at most
    *longest* characters, the cut marked with an ellipsis. Draw it with ``markup`` off."""
    text = _SPACES.sub(" ", text).strip()
    return text if len(text) <= longest else text[: longest - 1] + "…"


class Flat(ButtonBehavior, Label):
    """A large flat button with rounded corners (styled in ``style.kv``)."""

    bg = ColorProperty((0.92, 0.91, 0.88, 1))
    chosen = BooleanProperty(False)


class Reason(Flat):
    """A reason's button: its pictogram (a PNG file, or none: ``""``) over its label."""

    picture = StringProperty("")


class Banner(Label):
    """The calm error banner: invisible while its text is empty."""


class OneLine(Label):
    """A text kept on one line: its font shrinks to fit the width, down to ``smallest``,
    and what still does not fit ends in an ellipsis (``shorten`` in ``style.kv``)."""

    largest = NumericProperty(24)
    smallest = NumericProperty(14)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(text=self._fit, width=self._fit, largest=self._fit, smallest=self._fit)

    def _fit(self, *_args) -> None:
        if not self.text or self.width < 2:
            return
        label = CoreLabel(font_size=self.largest, font_name=self.font_name, bold=self.bold)
        natural = label.get_extents(self.text)[0]
        fitting = self.largest * self.width * 0.97 / natural if natural else self.largest
        self.font_size = max(self.smallest, min(self.largest, fitting))


class BarChart(Widget):
    """Bars for *values*, each with its label under it and its count over it.

    Drawn once per change, never animated (idle CPU).
    """

    values = ListProperty([])
    labels = ListProperty([])
    colour = ColorProperty((0.10, 0.35, 0.85, 1))
    font_size = NumericProperty(13)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, values=self.redraw, labels=self.redraw)

    def redraw(self, *_args) -> None:
        self.canvas.clear()
        if not self.values:
            return
        top = max(self.values) or 1
        n = len(self.values)
        slot = self.width / n
        text_h = self.font_size * 1.4
        base = self.y + text_h
        tallest = self.height - 2 * text_h
        with self.canvas:
            Color(0.55, 0.55, 0.58, 1)
            Line(points=[self.x, base, self.right, base], width=1)
            for i, value in enumerate(self.values):
                x = self.x + i * slot
                h = tallest * value / top
                Color(*self.colour)
                Rectangle(pos=(x + slot * 0.15, base + 1), size=(slot * 0.7, h))
                label = self.labels[i] if i < len(self.labels) else ""
                Color(0.13, 0.13, 0.15, 1)
                if label:
                    self._text(label, x + slot / 2, self.y)
                if value:
                    self._text(str(value), x + slot / 2, base + h + 1)

    def _text(self, text: str, centre_x: float, y: float) -> None:
        core = CoreLabel(text=text, font_size=self.font_size)
        core.refresh()
        w, h = core.texture.size
        Rectangle(texture=core.texture, pos=(centre_x - w / 2, y), size=(w, h))
