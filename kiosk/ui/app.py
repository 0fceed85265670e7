"""The Kivy app: builds the screens and wires them to the plain-Python services.

Decisions live elsewhere (:class:`~kiosk.shopper.ShopperFlow`, :class:`~kiosk.staff.PinLock`,
:func:`~kiosk.staff.staff_report`); :class:`~kiosk.ui.conductor.Conductor` moves between
screens. This module only builds and hardens the window: no key leaves or reconfigures it
(Escape, F1's settings panel, Alt+F4's close request, Ctrl+C in the window), one tap per tap.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from kiosk.settings.model import Settings
from kiosk.shopper import ShopperFlow
from kiosk.staff import PinLock
from kiosk.store.store import Store
from kiosk.ui.conductor import Conductor
from kiosk.ui.screens import FollowupScreen, MessageScreen, PinScreen, QuestionScreen, ThanksScreen
from kiosk.ui.staff_screen import StaffScreen
from kiosk.ui.touchgate import TouchGate
from kiosk.ui.widgets import Banner

log = logging.getLogger(__name__)

KV = Path(__file__).with_name("kv")
KV_FILES = ("style", "question", "thanks", "followup", "message", "pinpad", "staff")


@dataclass
class KioskParts:
    """What the app runs on, made by the caller (and by tests)."""

    settings: Settings
    store: Store
    flow: ShopperFlow
    pins: PinLock
    panel: Any = None  # a hardware.panel.ButtonPanel, or None for touch only
    keys: Any = None  # a hardware.simulator.KeyboardSimulator with --simulate
    # Told whether sync cannot reach HQ (the entry point points it at the status LED).
    hq_away: Callable[[bool], None] | None = None
    # The screen's backlight (hardware.backlight.Backlight), or None: a dark veil instead.
    backlight: Any = None


class KioskRoot(FloatLayout):
    """The window's root: sees every touch first, to drop duplicates and note activity."""

    def on_touch_down(self, touch) -> bool:
        app = App.get_running_app()
        if not app.gate.admit(touch.device, touch.x, touch.y, touch.time_start):
            log.info("dropped a duplicated touch from %s", touch.device)
            return True
        if app.conductor.dimmed:  # the first touch on a dimmed screen only wakes it
            app.conductor.activity()
            return True
        app.conductor.activity()
        return super().on_touch_down(touch)


class Corner(Widget):
    """The invisible staff corner: held for ``long_press`` seconds, it opens the PIN pad."""

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos):
            App.get_running_app().conductor.corner_down()
            touch.grab(self)
            return True
        return False

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            App.get_running_app().conductor.corner_up()
            return True
        return False


class KioskApp(App):
    """The touchscreen app of one kiosk."""

    unit = NumericProperty(4.8)  # 1 % of the window's shorter side, for sizes in the .kv
    portrait = BooleanProperty(False)
    # App.run() binds F1 to a settings panel over the whole window, with Kivy's own panel
    # (full screen, rotation, log level) in it; a kiosk has none (see open_settings).
    use_kivy_settings = False

    def __init__(self, parts: KioskParts, **kwargs: Any):
        super().__init__(**kwargs)
        self.parts = parts
        self.title = "Hymiö"
        self.gate = TouchGate()
        self.fresh_surface = True  # the next flip is the window's first at its size

    def build(self) -> Widget:
        for name in KV_FILES:
            path = str(KV / f"{name}.kv")
            if path not in Builder.files:  # rules load once per process, apps may be many
                Builder.load_file(path)
        screens = ScreenManager(transition=NoTransition())
        self.screens = {
            "question": QuestionScreen(),
            "thanks": ThanksScreen(),
            "followup": FollowupScreen(),
            "closed": MessageScreen(name="closed"),
            "paused": MessageScreen(name="paused"),
            "pin": PinScreen(),
            "staff": StaffScreen(),
        }
        for screen in self.screens.values():
            screens.add_widget(screen)
        root = KioskRoot()
        root.add_widget(screens)
        self.banner = Banner(size_hint=(1, 0.11), pos_hint={"top": 1})
        root.add_widget(self.banner)
        self.dimmer = Widget(opacity=0)
        with self.dimmer.canvas:
            from kivy.graphics import Color, Rectangle

            Color(0, 0, 0, 0.75)
            self._dim_rect = Rectangle()
        self.dimmer.bind(size=self._fit_dimmer, pos=self._fit_dimmer)
        root.add_widget(self.dimmer)
        self.corner = Corner(size_hint=(None, None))
        root.add_widget(self.corner)
        self.conductor = Conductor(self, screens, self.parts)
        Window.bind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard)
        Window.bind(on_key_up=self._on_key_up, size=self._on_resize)
        Window.bind(on_flip=self._redraw_after_first_flip)
        self._on_resize(Window, Window.size)
        self.conductor.start()
        return root

    def on_start(self) -> None:
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):  # systemd's stop, Ctrl+C: a clean stop
                signal.signal(sig, lambda *_: Clock.schedule_once(lambda _dt: self.stop()))

    def on_stop(self) -> None:
        self.conductor.stop()
        self.release_window()

    def release_window(self) -> None:
        """Let go of the window's events (the window outlives the app in tests)."""
        Window.unbind(on_request_close=self._refuse_close, on_keyboard=self._on_keyboard)
        Window.unbind(on_key_up=self._on_key_up, size=self._on_resize)
        Window.unbind(on_flip=self._redraw_after_first_flip)

    # --- hardening ----------------------------------------------------------------------

    def open_settings(self, *_args: Any) -> bool:
        """No settings panel: F1 (bound by ``App.run``) opens nothing."""
        log.info("F1: the kiosk has no settings panel; staff use the PIN corner")
        return False

    def display_settings(self, _settings: Any) -> bool:
        return False

    def _refuse_close(self, *_args: Any, **_kwargs: Any) -> bool:
        log.info("a request to close the kiosk window was refused")
        return True  # True: handled, do not close

    def _on_keyboard(self, _window, _key: int, _scancode, codepoint, _modifiers) -> bool:
        # Every key is swallowed: Escape never leaves the kiosk, and nothing after this
        # handler (Kivy's own on_keyboard) gets a key. Only --simulate's digits do something.
        keys = self.parts.keys
        if keys is not None and codepoint and codepoint in "123456789":
            keys.key_down(codepoint)
        return True

    def _on_key_up(self, _window, key: int, *_args) -> bool:
        keys = self.parts.keys
        if keys is not None and ord("1") <= key <= ord("9"):
            keys.key_up(chr(key))
            return True
        return False

    def _redraw_after_first_flip(self, window) -> None:
        """One more frame after the first one at a new size.

        SDL's KMS/DRM back-end (the kiosk on a Pi's console) makes the window's GBM and EGL
        surfaces anew at the first swap after the window got its size (at start, when SDL
        makes it full screen; at a resize), and then shows the new surfaces' buffer, never
        drawn, instead of the frame just drawn (SDL_kmsdrmopengles.c: egl_surface_dirty).
        Kivy draws only when something changed, so the screen stayed black until a shopper
        pressed a button (found by the field rig, docs/build-a-kiosk/field-rig.md).
        """
        if self.fresh_surface:
            self.fresh_surface = False
            Clock.schedule_once(lambda _dt: window.canvas.ask_update(), 0)

    def _on_resize(self, _window, size) -> None:
        self.fresh_surface = True
        width, height = size
        self.unit = min(width, height) / 100
        self.portrait = height > width
        side = self.unit * 16
        self.corner.size = (side, side)
        corner = self.parts.settings.staff.corner
        self.corner.pos_hint = {
            "top" if corner.startswith("top") else "y": 1 if corner.startswith("top") else 0,
            "right" if corner.endswith("right") else "x": 1 if corner.endswith("right") else 0,
        }

    def _fit_dimmer(self, *_args) -> None:
        self._dim_rect.pos, self._dim_rect.size = self.dimmer.pos, self.dimmer.size
