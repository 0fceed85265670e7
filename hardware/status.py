"""The optional status LED: what the kiosk is doing, for staff walking past.

steady on = collecting; slow blink = HQ not reached for a long time; fast blink = the
store cannot write (full disk: presses are refused); a short flash every two seconds = a
button is stuck. The worst state wins.
"""

from __future__ import annotations

import threading

from gpiozero import LED, Factory

COLLECTING, HQ_AWAY, STUCK, CANNOT_WRITE = "collecting", "hq_away", "stuck", "cannot_write"
# (on, off) seconds of each state, worst last; None = steady on.
PATTERNS = {COLLECTING: None, HQ_AWAY: (1.0, 1.0), STUCK: (0.2, 1.8), CANNOT_WRITE: (0.1, 0.1)}
ORDER = (COLLECTING, HQ_AWAY, STUCK, CANNOT_WRITE)


class StatusLight:
    """The status LED on *pin* (or nothing, when there is none)."""

    def __init__(self, pin: int | None, pin_factory: Factory):
        self.led = LED(pin, pin_factory=pin_factory) if pin is not None else None
        self._problems: set[str] = set()
        self._lock = threading.Lock()
        self.state = ""
        self._show()

    def set(self, problem: str, present: bool) -> None:
        """Raise or clear *problem* (HQ_AWAY, STUCK or CANNOT_WRITE)."""
        if problem not in PATTERNS or problem == COLLECTING:
            raise ValueError(f"unknown status {problem!r}; use one of {', '.join(ORDER[1:])}")
        with self._lock:
            (self._problems.add if present else self._problems.discard)(problem)
            self._show()

    def _show(self) -> None:
        state = max(self._problems | {COLLECTING}, key=ORDER.index)
        if state == self.state:
            return
        self.state = state
        if self.led is None:
            return
        pattern = PATTERNS[state]
        if pattern is None:
            self.led.on()
        else:
            self.led.blink(on_time=pattern[0], off_time=pattern[1])

    def close(self) -> None:
        """Turn the LED off and release its pin."""
        if self.led is not None:
            self.led.close()
