"""A real Kivy window, offscreen (SDL2's offscreen driver, Mesa), and a kiosk app in it.

One window serves the whole session (Kivy has one per process); each test builds a fresh
app on its own store, settings and mock pins, adds it to the window, and drives it with
synthesised touches, mock pin edges and Kivy's clock, frame by frame.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.timekeeping.clock import ManualClock
from kiosk.ui import setup

ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "kiosk"
LANDSCAPE, PORTRAIT = (800, 480), (720, 1280)
# SDL's offscreen window cannot grow after it is made (the readback beyond its first size
# is garbage), so one pytest process has one window size: landscape here, and portrait in
# a second process that test_portrait.py starts with HYMIO_UI_SIZE=720x1280.
SIZE = tuple(int(n) for n in os.environ.get("HYMIO_UI_SIZE", "800x480").split("x"))

# Kivy reads its settings when it is first imported: prepare them before any test module
# (or kivy.tests) imports it.
setup.prepare(offscreen=True, size=SIZE)
BASE = """
[device]
id = "k1"
store_id = "s1"
[storage]
path = "ratings.db"
[behaviour]
thank_you = 0.6
repeat_window = 0
idle_timeout = 5
"""


def pytest_collection_modifyitems(config, items):
    """Leave the tests of the other window size to the other process (see SIZE)."""
    mine, other = [], []
    for item in items:
        size = getattr(item, "callspec", None) and item.callspec.params.get("size")
        size = tuple(size) if size else LANDSCAPE  # a test without a size is a landscape one
        (mine if size == SIZE else other).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = mine


@pytest.fixture(scope="session")
def window():
    from kivy.base import EventLoop

    EventLoop.ensure_window()
    return EventLoop.window


class Running:
    """A kiosk app in the offscreen window, and the hands to use it."""

    def __init__(self, app, root, window, parts, clock: ManualClock, factory):
        self.app, self.root, self.window = app, root, window
        self.parts, self.clock, self.factory = parts, clock, factory
        self.store = parts.store
        # Every screen shown since the last tap or press began. The thank-you screen goes
        # back on Kivy's clock, timed from the frame before the tap: on a busy machine a slow
        # commit can use up its 0.6 s before the test looks, so tests ask what was shown.
        self.shown: list[str] = []
        app.conductor.manager.bind(current=lambda _manager, name: self.shown.append(name))

    @property
    def screen(self) -> str:
        return self.app.conductor.manager.current

    def showed(self, name: str) -> bool:
        """Whether screen *name* was shown since the last tap or press began."""
        return name in self.shown

    def frames(self, n: int = 2) -> None:
        from kivy.base import EventLoop

        for _ in range(n):
            EventLoop.idle()

    def until(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"not within {timeout} s (screen {self.screen})")
            self.frames(1)

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.frames(1)

    def touch(self, widget, device: str = "touch", up: bool = True):
        """A finger on *widget*'s centre (window coordinates), as the window gets it."""
        from kivy.tests.common import UnitTestTouch

        self.frames(2)  # a screen switch completes on the next frame; touches wait for it
        self.shown.clear()
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.device = device
        touch.touch_down()
        if up:
            touch.touch_up()
        self.frames(1)
        return touch

    def face(self, score: int):
        return next(b for b in self.app.screens["question"].buttons if b.score == score)

    def press_button(self, score: int, hold: float = 0.05) -> None:
        """The physical arcade button of *score*, pressed through its mock pin."""
        i = list(self.store.context.scale.scores).index(score)
        pin = self.factory.pin(self.parts.settings.buttons.face_buttons[i])
        self.shown.clear()
        pin.drive_low()
        time.sleep(hold)
        pin.drive_high()

    def rows(self) -> list[tuple]:
        return self.store.read("SELECT score, source, flag, reason FROM ratings ORDER BY seq")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.frames(3)
        w, h = self.window.size
        wanted = ARTIFACTS / f"{name}-{w}x{h}.png"
        saved = Path(self.window.screenshot(str(wanted)))  # Kivy numbers the file name
        return saved.replace(wanted)


@pytest.fixture
def kiosk_ui(window, tmp_path) -> Iterator[Callable[..., Running]]:
    """``kiosk_ui(extra_toml, size=LANDSCAPE)``: a running kiosk app in the window.

    The thank-you screen lasts 0.6 s of real time, so that tests can wait for the way back;
    a test that looks at the thank-you screen at leisure (a screenshot) asks for a longer
    ``thank_you`` and moves the kiosk's clock past it between shoppers."""
    from gpiozero.pins.mock import MockFactory
    from kivy.app import App

    from hymio.run_kiosk import make_parts
    from kiosk.settings.load import load_settings
    from kiosk.store.store import Store
    from kiosk.ui.app import KioskApp

    started: list[tuple] = []

    def start(
        extra: str = "",
        size=SIZE,
        clock: ManualClock | None = None,
        db: Path | None = None,
        behaviour: str = "",
        thank_you: float = 0.6,
    ) -> Running:
        path = tmp_path / "kiosk.toml"
        base = BASE.replace('"ratings.db"', f'"{db}"') if db else BASE
        base = base.replace("[behaviour]\n", f"[behaviour]\n{behaviour}\n")
        base = base.replace("thank_you = 0.6", f"thank_you = {thank_you}")
        path.write_text(base + extra, encoding="utf-8")
        settings = load_settings(path)
        clock = clock or ManualClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))  # Wed 12:00
        store = Store.from_settings(settings, clock=clock)
        factory = MockFactory()
        parts = make_parts(settings, store, factory=factory, simulate=True)
        app = KioskApp(parts)
        App._running_app = app
        assert tuple(size) == SIZE, "a test of another size belongs to the other process"
        root = app.build()
        window.add_widget(root)
        running = Running(app, root, window, parts, clock, factory)
        started.append((running,))
        running.frames(3)
        return running

    yield start
    for (running,) in started:
        running.app.conductor.stop()
        running.app.release_window()
        window.remove_widget(running.root)
        if running.parts.panel is not None:
            running.parts.panel.close()
        running.factory.close()
        running.store.close()
    App._running_app = None
