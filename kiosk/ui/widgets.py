"""Small widgets shared by the screens: a flat button, the error banner, a bar chart."""

from __future__ import annotations

from kivy.graphics import Color, Line, Rectangle
from kivy.properties import BooleanProperty, ColorProperty, ListProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.label import Label
from kivy.uix.widget import Widget


class Flat(ButtonBehavior, Label):
    """A large flat button with rounded corners (styled in ``style.kv``)."""

    bg = ColorProperty((0.92, 0.91, 0.88, 1))
    chosen = BooleanProperty(False)


class Banner(Label):
    """The calm error banner: invisible while its text is empty."""


class BarChart(Widget):
    """Bars for *values* (one per label); drawn once per change, no animation."""

    values = ListProperty([])
    colour = ColorProperty((0.10, 0.35, 0.85, 1))

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, values=self.redraw)

    def redraw(self, *_args) -> None:
        self.canvas.clear()
        if not self.values:
            return
        top = max(self.values) or 1
        n = len(self.values)
        slot = self.width / n
        with self.canvas:
            Color(0.55, 0.55, 0.58, 1)
            Line(points=[self.x, self.y, self.right, self.y], width=1)
            Color(*self.colour)
            for i, value in enumerate(self.values):
                h = (self.height - 2) * value / top
                Rectangle(pos=(self.x + i * slot + slot * 0.15, self.y + 1), size=(slot * 0.7, h))
