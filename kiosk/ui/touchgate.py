"""One tap is one tap: drop the second event of a duplicated touch/mouse pair.

A Raspberry Pi touchscreen can deliver each tap twice: as a touch and as an emulated
mouse click, or from two input providers reading the same device (kivy/kivy#3801, #1903,
#8494). The gate drops a touch-down that comes from another device within *window*
seconds and *distance* pixels of the last one it let through. Two shoppers cannot tap
that fast in the same place; a lockout flag would catch them anyway. No Kivy here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TouchGate:
    window: float = 0.3
    distance: float = 40.0
    _last: tuple[str, float, float, float] | None = None

    def admit(self, device: str, x: float, y: float, at: float) -> bool:
        """Whether a touch-down from *device* at (*x*, *y*) at time *at* is a new tap."""
        last = self._last
        if last is not None:
            last_device, lx, ly, lt = last
            close = abs(x - lx) <= self.distance and abs(y - ly) <= self.distance
            if last_device != device and close and 0 <= at - lt < self.window:
                return False
        self._last = (device, x, y, at)
        return True
