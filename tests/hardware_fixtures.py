"""Fixtures for the hardware tests: a fresh MockFactory per test, a panel on a store."""

from __future__ import annotations

import threading

import pytest
from gpiozero.pins.mock import MockFactory

from hardware.panel import ButtonPanel, PanelEvent
from kiosk.store.store import Store
from tests.conftest import make_context

BUTTONS = (5, 6, 13, 19)
LEDS = (17, 27, 22, 23)
STATUS = 24


class Events:
    """What the panel told its listener, with a way to wait for the next one."""

    def __init__(self):
        self.items: list[PanelEvent] = []
        self.arrived = threading.Condition()

    def __call__(self, event: PanelEvent) -> None:
        with self.arrived:
            self.items.append(event)
            self.arrived.notify_all()

    def wait_for(self, kind: str, count: int = 1, timeout: float = 5.0) -> list[PanelEvent]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.of(kind)) >= count, timeout)
        found = self.of(kind)
        assert len(found) >= count, f"expected {count} {kind} events, got {self.items}"
        return found

    def of(self, kind: str) -> list[PanelEvent]:
        return [e for e in self.items if e.kind == kind]


@pytest.fixture
def factory():
    """gpiozero's mock pins, reset after the test."""
    f = MockFactory()
    yield f
    f.reset()
    f.close()


def make_panel(store: Store, factory, events=None, **kwargs) -> ButtonPanel:
    return ButtonPanel(
        store, BUTTONS, LEDS, pin_factory=factory, status_pin=STATUS, listener=events, **kwargs
    )


def press(factory, face: int) -> None:
    """Press and release face *face*'s button (1 = most unhappy)."""
    pin = factory.pin(BUTTONS[face - 1])
    pin.drive_low()
    pin.drive_high()


def lit(factory) -> list[bool]:
    """Which face LEDs are on now."""
    return [bool(factory.pin(p).state) for p in LEDS]


def times_lit(factory, face: int) -> int:
    """How often face *face*'s LED went on, from the mock pin's state history."""
    return sum(1 for s in factory.pin(LEDS[face - 1]).states if s.state)


@pytest.fixture
def quick_store(db_path, clock):
    """A store whose thank-you time is 0.3 s and stuck limit 0.4 s (LED timers are real)."""
    store = Store(db_path, make_context(thank_you=0.3, stuck_after=0.4), clock=clock)
    yield store
    store.close()
