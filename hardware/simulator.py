"""The keyboard simulator: keys 1–5 press the face buttons of ``--simulate``'s mock pins.

A key drives the very pin the settings give that face's button (``drive_low`` on key down,
``drive_high`` on key up), so a simulated press travels the same path as a real one: the
gpiozero callback, the debounce, the store, the LED. Key 1 is the most unhappy face.
"""

from __future__ import annotations

from gpiozero.pins.mock import MockFactory


class KeyboardSimulator:
    """Keys ``"1"`` … ``"5"`` for the buttons on *button_pins* of a ``MockFactory``."""

    def __init__(self, factory: MockFactory, button_pins: tuple[int, ...]):
        if not isinstance(factory, MockFactory):
            raise TypeError("the keyboard simulator drives mock pins; start with --simulate")
        self.pins = {str(i + 1): factory.pin(p) for i, p in enumerate(button_pins)}

    def key_down(self, key: str) -> bool:
        """Close the contact of *key*'s button; ``False`` if the key is not a face."""
        pin = self.pins.get(key)
        if pin is not None:
            pin.drive_low()
        return pin is not None

    def key_up(self, key: str) -> bool:
        """Open the contact again."""
        pin = self.pins.get(key)
        if pin is not None:
            pin.drive_high()
        return pin is not None

    def tap(self, key: str) -> bool:
        """A whole press and release of *key*'s button."""
        return self.key_down(key) and self.key_up(key)
