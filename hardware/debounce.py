"""Debouncing a contact on the monotonic clock, in our own code.

gpiozero's ``bounce_time`` is unreliable on real pins (gpiozero issues 378, 550, 697) and
``MockPin`` does not simulate bounce at all. The rule here is the classic one for a fast
response: a press counts at once, on its first edge, if the contact had been released for
at least the debounce time; the edges of the bounce that follows (or of a release) are
not presses.
"""

from __future__ import annotations

import threading


class Debouncer:
    """The raw edges of one contact in, the presses that count out."""

    def __init__(self, window_ns: int):
        if window_ns < 0:
            raise ValueError(f"the debounce time must be 0 or more, not {window_ns} ns")
        self.window_ns = window_ns
        self._released_at: int | None = None  # None: never released since start
        self._down = False
        self._lock = threading.Lock()

    def pressed(self, now_ns: int) -> bool:
        """A falling edge at *now_ns*: whether it starts a new press."""
        with self._lock:
            was_down, self._down = self._down, True
            if was_down:
                return False
            released = self._released_at
            return released is None or now_ns - released >= self.window_ns

    def released(self, now_ns: int) -> None:
        """A rising edge at *now_ns*."""
        with self._lock:
            self._down = False
            self._released_at = now_ns

    @property
    def down(self) -> bool:
        """Whether the contact is closed, as far as the edges tell."""
        return self._down
