"""Start the kiosk: settings → store → buttons → the Kivy window.

:func:`make_parts` builds the services without Kivy (tests build their own);
:func:`run` prepares Kivy's environment, imports it, and runs the app until it stops.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hymio import drm
from kiosk.settings.load import load_settings
from kiosk.settings.model import Settings
from kiosk.settings.overlay import apply_overlay
from kiosk.shopper import ShopperFlow
from kiosk.staff import PinLock
from kiosk.store.store import Store

log = logging.getLogger(__name__)


def make_parts(settings: Settings, store: Store, *, factory=None, simulate: bool = False):
    """The app's services; with a pin *factory*, the button panel (and keys with *simulate*)."""
    from kiosk.ui.app import KioskParts

    flow = ShopperFlow(store, settings)
    # The PIN lock is kept in the store (no fresh guesses after a power cut) and runs on
    # the store's clock: the system's on a kiosk, a test's manual one in the UI tests.
    lock = PinLock.from_settings(settings, store=store, clock=store.clock)
    parts = KioskParts(settings, store, flow, lock)
    if factory is not None and settings.buttons.face_buttons:
        from hardware.panel import ButtonPanel
        from hardware.status import HQ_AWAY

        panel = parts.panel = ButtonPanel.from_settings(
            store, settings, factory, followup=flow.followup_seconds
        )
        parts.hq_away = lambda away: panel.status.set(HQ_AWAY, away)
        if simulate:
            from hardware.simulator import KeyboardSimulator

            parts.keys = KeyboardSimulator(factory, settings.buttons.face_buttons)
    return parts


def run(
    config: Path | str,
    *,
    simulate: bool = False,
    windowed: bool = False,
    offscreen: bool = False,
    size: tuple[int, int] | None = None,
    attach: Callable[[Any, Any], None] | None = None,
) -> int:
    """Run the kiosk window until it is stopped; the exit code.

    *attach* (``hymio demo``'s simulated shoppers) is called with the app and the pin
    factory before the app runs.
    """
    settings = apply_overlay(load_settings(config))
    if not offscreen:
        screen = drm.point_sdl(settings.device.display)
        if screen.problem:
            log.warning("[device] display = %r: %s", settings.device.display, screen.problem)
        elif screen.card:
            log.info("drawing on %s (%s)", screen.card, ", ".join(screen.connectors))
    from kiosk.ui import setup

    setup.prepare(
        rotation=settings.device.rotation,
        windowed=windowed,
        offscreen=offscreen,
        size=size or setup.LANDSCAPE,
    )
    from hardware.factory import make_factory
    from kiosk.ui.app import KioskApp

    factory = make_factory(simulate) if settings.buttons.face_buttons else None
    with Store.from_settings(settings) as store:
        parts = make_parts(settings, store, factory=factory, simulate=simulate)
        if not (windowed or offscreen):  # a desktop's (a laptop's) backlight is not ours
            from hardware.backlight import Backlight

            parts.backlight = Backlight()
        try:
            app = KioskApp(parts)
            if attach is not None:
                attach(app, factory)
            app.run()
        finally:
            if parts.panel is not None:
                parts.panel.close()
            if factory is not None:
                factory.close()
    return 0


class Attach:
    """Puts simulated shoppers into the app before it runs (``run_kiosk.run``'s *attach*);
    with *presses*, they stop the app when done."""

    def __init__(self, presses: int | None, pace: tuple[float, float], seed: int | None):
        self.presses, self.pace, self.seed = presses, pace, seed
        self.shoppers = None

    @property
    def made(self) -> int:
        return self.shoppers.made if self.shoppers else 0

    def __call__(self, app, factory) -> None:
        from hymio.robot import Shoppers  # Kivy: only once the window is set up

        self.shoppers = Shoppers(
            app, factory, presses=self.presses, pace=self.pace, seed=self.seed, done=app.stop
        )
        app.bind(on_start=lambda *_: self.shoppers.start())
