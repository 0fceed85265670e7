"""Staff mode of the kiosk window: a long press on the corner opens the PIN pad, the right
PIN opens the staff screen (today's figures, pause, the hardware test), and staff mode
closes by itself after :data:`STAFF_TIMEOUT` seconds without a touch.

A part of :class:`~kiosk.ui.conductor.Conductor` (a mixin), kept apart because it is what
staff do at the kiosk, not shoppers; it runs on the Kivy thread like the rest of the
conductor.
"""

from __future__ import annotations

from typing import Any

from kiosk.staff import LOCKED, NO_PIN, OK, WRONG, staff_report

STAFF_TIMEOUT = 60.0  # seconds without a touch before staff mode closes by itself


class StaffMode:
    """The PIN pad and the staff screen, mixed into :class:`~kiosk.ui.conductor.Conductor`,
    which gives them the attributes below, its timers (``later``, ``cancel``, ``activity``,
    whose ``staff`` timer calls :meth:`leave_staff`), ``go``, ``back_to_question`` and its
    texts (``t``)."""

    manager: Any
    screens: dict[str, Any]
    settings: Any
    flow: Any
    pins: Any
    panel: Any
    parts: Any

    def corner_down(self) -> None:
        if self.manager.current in ("question", "closed", "paused"):
            self.later("corner", self.settings.staff.long_press, self.open_pin)

    def corner_up(self) -> None:
        self.cancel("corner")

    def open_pin(self) -> None:
        self.screens["pin"].clear()
        self.go("pin")
        self.activity()

    def submit_pin(self, entered: str) -> None:
        answer = self.pins.check(entered)
        pad = self.screens["pin"]
        if answer.result == OK:
            self.open_staff()
        elif answer.result == WRONG:
            pad.message = self.t("Wrong PIN")
        elif answer.result == LOCKED:
            pad.message = self.t("Locked for {seconds} s", seconds=round(answer.seconds))
        elif answer.result == NO_PIN:
            pad.message = self.t("No staff PIN is set: run hymio set-pin")

    def open_staff(self) -> None:
        staff = self.screens["staff"]
        self.refresh_staff()
        self.go("staff")
        self.activity()
        staff.testing = False

    def refresh_staff(self) -> None:
        staff = self.screens["staff"]
        staff.back_text = self.t("Back")
        staff.pause_text = self.t("Resume collection" if self.flow.paused else "Pause collection")
        staff.test_text = self.t("Hardware test")
        report = staff_report(self.parts.store, self.settings)
        staff.show(report, self.t, self.settings.survey.faces)

    def leave_staff(self) -> None:
        self.cancel("staff")
        self.screens["staff"].testing = False
        if self.panel is not None:
            self.panel.mode = self._collecting()
        self.back_to_question()

    def toggle_pause(self) -> None:
        self.flow.paused = not self.flow.paused
        if self.panel is not None and not self.screens["staff"].testing:
            self.panel.mode = self._collecting()
        self.refresh_staff()

    def _collecting(self) -> str:
        return "paused" if self.flow.paused else "collect"

    def toggle_test(self) -> None:
        staff = self.screens["staff"]
        staff.testing = not staff.testing
        if self.panel is not None:
            self.panel.mode = "test" if staff.testing else self._collecting()
        if staff.testing:
            self.refresh_staff()  # fresh faces, none ticked
            staff.testing = True
