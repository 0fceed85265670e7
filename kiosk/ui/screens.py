"""The shopper's screens and the PIN pad. They show what they are given and call back;
the decisions are in :class:`kiosk.shopper.ShopperFlow` and :class:`kiosk.staff.PinLock`."""

from __future__ import annotations

from collections.abc import Callable

from kivy.animation import Animation
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.ui.faces import Face
from kiosk.ui.widgets import Flat, Reason

LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


ATTRACT_EVERY = 6.0  # seconds between two faces moving while the kiosk waits


class QuestionScreen(Screen):
    """The question and the faces (or the numbers of an NPS or CES scale)."""

    question = StringProperty("")
    low_text = StringProperty("")
    high_text = StringProperty("")
    faces_size = ListProperty([100, 100])
    cols = NumericProperty(4)

    def setup(self, faces: tuple[str, ...], scores: range, tap: Callable[[int], None]) -> None:
        """Put one face (or number) per score, lowest first; *tap(score)* on a touch."""
        row = self.ids.faces
        row.clear_widgets()
        self.buttons: list = []
        for i, score in enumerate(scores):
            button = Face(kind=faces[i], score=score) if faces else Flat(text=str(score), bold=True)
            button.bind(on_press=lambda b, s=score: tap(s))
            row.add_widget(button)
            self.buttons.append(button)
        self._fit()

    def on_size(self, *_args) -> None:
        if getattr(self, "buttons", None):
            self._fit()
        self._size_languages()

    def _fit(self, *_args) -> None:
        n = len(self.buttons) or 1
        gap = self.ids.faces.spacing[0]
        portrait = self.height > self.width
        width = self.width * 0.94
        height = self.height * (0.4 if portrait else 0.5) * 0.95
        if isinstance(self.buttons[0], Face):
            self.cols = n
            side = min((width - gap * (n - 1)) / n, height)
            self.faces_size = [side * n + gap * (n - 1), side]
        else:  # numbers: one row in landscape, two in portrait
            rows = 2 if portrait and n > 7 else 1
            self.cols = -(-n // rows)
            side = min((width - gap * (self.cols - 1)) / self.cols, height / rows)
            self.faces_size = [width, side * rows + gap * (rows - 1)]

    def set_languages(self, languages: tuple[str, ...], choose: Callable[[str], None]) -> None:
        box = self.ids.languages
        box.clear_widgets()
        self.language_buttons = {}
        if len(languages) < 2:
            return
        for lang in languages:
            button = Flat(text=LANGUAGE_NAMES[lang], size_hint_x=None)
            button.bind(on_release=lambda b, code=lang: choose(code))
            box.add_widget(button)
            self.language_buttons[lang] = button
        self._size_languages()

    def _size_languages(self, *_args) -> None:
        for button in self.ids.languages.children:
            text = CoreLabel(text=button.text, font_size=button.font_size)
            text.refresh()
            button.width = max(self.width * 0.18, text.texture.size[0] + button.font_size * 2)

    def show_language(self, language: str) -> None:
        for code, button in getattr(self, "language_buttons", {}).items():
            button.chosen = code == language

    def attract(self, on: bool) -> None:
        """While the kiosk waits in opening hours, one face at a time fades a little and
        back every few seconds, so the kiosk looks alive, not switched off."""
        running = getattr(self, "_attract", None)
        if on and running is None:
            self._turn = 0
            self._attract = Clock.schedule_interval(self._bob, ATTRACT_EVERY)
        elif not on and running is not None:
            running.cancel()
            self._attract = None
            for face in self.ids.faces.children:
                Animation.cancel_all(face, "opacity")
                face.opacity = 1

    def _bob(self, _dt: float) -> None:
        faces = list(reversed(self.ids.faces.children))
        if not faces:
            return
        face = faces[self._turn % len(faces)]
        self._turn += 1
        fade = Animation(opacity=0.45, duration=0.6, t="in_out_sine")
        (fade + Animation(opacity=1, duration=0.6, t="in_out_sine")).start(face)


class ThanksScreen(Screen):
    """The chosen face (or number), large, and the thanks; under it the store's message
    (:mod:`kiosk.store_message`) when there is one, on one line."""

    kind = StringProperty("")
    number = StringProperty("")
    title = StringProperty("")
    subtitle = StringProperty("")
    message = StringProperty("")


class FollowupScreen(Screen):
    """Up to six large reason buttons, each with its pictogram over its label if it has one."""

    title = StringProperty("")
    subtitle = StringProperty("")

    def setup(self, reasons: list[tuple[str, str, str]], choose: Callable[[str], None]) -> None:
        """One button per (key, label, pictogram file or ``""``); *choose(key)* on a tap."""
        grid = self.ids.reasons
        grid.clear_widgets()
        for key, label, picture in reasons:
            button = Reason(text=label, picture=picture)
            button.bind(on_release=lambda b, k=key: choose(k))
            grid.add_widget(button)


class MessageScreen(Screen):
    """A calm full-screen message: closed, or collection paused."""

    title = StringProperty("")
    subtitle = StringProperty("")


class PinScreen(Screen):
    """The staff PIN pad: ten digits, cancel, OK; dots for what is typed."""

    title = StringProperty("")
    dots = StringProperty("")
    message = StringProperty("")

    def setup(
        self, submit: Callable[[str], None], cancel: Callable[[], None], labels: dict
    ) -> None:
        self.entered = ""
        self._submit, self._cancel = submit, cancel
        keys = self.ids.pad
        keys.clear_widgets()
        self.buttons = {}
        for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "cancel", "0", "ok"]:
            button = Flat(text=labels.get(key, key), bold=key.isdigit())
            button.bind(on_release=lambda b, k=key: self.key(k))
            keys.add_widget(button)
            self.buttons[key] = button

    def label(self, labels: dict) -> None:
        """Name the keys again (the shopper chose another language)."""
        for key, text in labels.items():
            if key in getattr(self, "buttons", {}):
                self.buttons[key].text = text

    def key(self, key: str) -> None:
        if key == "cancel":
            self.clear()
            self._cancel()
        elif key == "ok":
            entered, self.entered = self.entered, ""
            self.dots = ""
            self._submit(entered)
        elif len(self.entered) < 12:
            self.entered += key
            self.dots = "•" * len(self.entered)

    def clear(self) -> None:
        self.entered, self.dots, self.message = "", "", ""
