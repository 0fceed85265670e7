"""The faces, drawn as vector graphics so they stay sharp at any size.

Faces differ by the shape of the mouth and the eyes, not only by colour, so colour-blind
shoppers tell them apart: a deep frown under slanted brows, a frown, a straight mouth, a
smile, and a wide open smile under closed, laughing eyes.
"""

from __future__ import annotations

import math

from kivy.graphics import Color, Ellipse, Line
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.widget import Widget

# Face colours (also distinct in lightness, for grey-scale and colour-blind eyes).
COLOURS = {
    "very_unhappy": (0.84, 0.23, 0.22),
    "unhappy": (0.95, 0.52, 0.20),
    "neutral": (0.98, 0.78, 0.18),
    "happy": (0.55, 0.78, 0.30),
    "very_happy": (0.16, 0.62, 0.36),
}
# Mouth curvature: negative frowns, positive smiles (share of the face's radius).
CURVE = {"very_unhappy": -0.30, "unhappy": -0.15, "neutral": 0.0, "happy": 0.18}
INK = (0.13, 0.13, 0.15)


class Face(ButtonBehavior, Widget):
    """One face: *kind* is a FACES name, *score* the score it records."""

    kind = StringProperty("neutral")
    score = NumericProperty(0)
    selected = BooleanProperty(False)  # drawn with a ring (the chosen face)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.bind(pos=self.redraw, size=self.redraw, kind=self.redraw, selected=self.redraw)
        self.redraw()

    def redraw(self, *_args) -> None:
        r = min(self.width, self.height) / 2 * 0.9
        cx, cy = self.center
        self.canvas.clear()
        if self.kind not in COLOURS:
            return  # no face (a number scale)
        with self.canvas:
            if self.selected:
                Color(0.10, 0.35, 0.85)
                Line(circle=(cx, cy, r * 1.08), width=max(2.0, r * 0.06))
            Color(*COLOURS[self.kind])
            Ellipse(pos=(cx - r, cy - r), size=(2 * r, 2 * r))
            Color(*INK)
            Line(circle=(cx, cy, r), width=max(1.2, r * 0.03))
            self._eyes(cx, cy, r)
            self._mouth(cx, cy, r)

    def _eyes(self, cx: float, cy: float, r: float) -> None:
        ex, ey, size = r * 0.36, cy + r * 0.22, r * 0.16
        width = max(1.5, r * 0.06)
        for side in (-1, 1):
            x = cx + side * ex
            if self.kind == "very_happy":  # laughing: closed eyes, arcs bowed upwards
                Line(points=_arc(x, ey - size * 0.4, size, 0.9), width=width, cap="round")
                continue
            Ellipse(pos=(x - size / 2, ey - size * 0.6), size=(size, size * 1.2))
            if self.kind == "very_unhappy":  # brows slanting down towards the nose
                inner, outer = x - side * size * 0.9, x + side * size * 0.9
                Line(
                    points=[outer, ey + size * 1.0, inner, ey + size * 0.35],
                    width=width,
                    cap="round",
                )

    def _mouth(self, cx: float, cy: float, r: float) -> None:
        half, y = r * 0.42, cy - r * 0.38
        width = max(1.5, r * 0.07)
        if self.kind == "very_happy":  # a wide open smile: a filled half disc
            Ellipse(pos=(cx - half, y - half * 0.9), size=(2 * half, 2 * half * 0.9),
                    angle_start=90, angle_end=270)  # fmt: skip
            return
        bend = CURVE[self.kind] * r
        Line(points=_curve(cx - half, cx + half, y - bend / 2, bend), width=width, cap="round")


def _curve(x0: float, x1: float, y: float, bend: float, steps: int = 24) -> list[float]:
    """A parabola from (x0, y) to (x1, y) whose middle is *bend* lower (a smile) or higher."""
    points = []
    for i in range(steps + 1):
        t = i / steps
        x = x0 + (x1 - x0) * t
        points += [x, y - bend * (1 - (2 * t - 1) ** 2)]
    return points


def _arc(cx: float, cy: float, radius: float, span: float, steps: int = 16) -> list[float]:
    """The top part of a circle (an upward bow), *span* of a half turn wide."""
    points = []
    for i in range(steps + 1):
        a = math.pi / 2 + math.pi * span * (i / steps - 0.5)
        points += [cx + radius * math.cos(a), cy + radius * math.sin(a)]
    return points
