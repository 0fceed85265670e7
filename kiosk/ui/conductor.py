"""Moves the kiosk between its screens: after a tap or press, on timeouts, at opening and
closing time, into and out of staff mode.

Everything here runs on the Kivy thread. The button panel calls back on gpiozero's thread;
:meth:`Conductor.from_panel` hands each event over with ``Clock.schedule_once``. Timers are
one-shot ``Clock`` events, so nothing runs while nobody touches the kiosk (idle CPU).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from kivy.clock import Clock
from kivy.config import Config

from kiosk.errors import SettingsError, StoreError
from kiosk.i18n import gettext
from kiosk.notify import READY, STOPPING, WATCHDOG, notify, watchdog_period
from kiosk.settings.load import load_settings
from kiosk.settings.overlay import apply_overlay, overlay_path, read_messages
from kiosk.shopper import CLOSED_SCREEN, FOLLOWUP, QUESTION, STAY, THANKS, Step
from kiosk.store.context import RatingContext
from kiosk.store.ledger import Ledger
from kiosk.store_message import message_now
from kiosk.ui import memory
from kiosk.ui.staff_mode import STAFF_TIMEOUT, StaffMode
from kiosk.ui.widgets import plain

log = logging.getLogger(__name__)

CALM_AFTER = 10.0  # seconds without a touch or press before the frame rate drops
CALM_FPS = 10  # frames per second while nobody is there (idle CPU, SPEC §8)
HOURS_CHECK = 30.0  # seconds between looks at the clock for opening and closing time
SCALE_ENDS = {
    "nps": ("Not at all likely", "Extremely likely"),
    "ces": ("Very difficult", "Very easy"),
}
CANNOT_SAVE = "Your answer could not be saved. Please tell the staff."


class Conductor(StaffMode):
    """The screen logic of one kiosk window (its staff mode: :mod:`kiosk.ui.staff_mode`)."""

    def __init__(self, app: Any, manager: Any, parts: Any):
        self.app, self.manager, self.parts = app, manager, parts
        self.settings = parts.settings
        self.flow, self.pins, self.panel = parts.flow, parts.pins, parts.panel
        self.screens = app.screens
        self.language = self.settings.survey.default_language
        self.timers: dict[str, Any] = {}
        # the configured rate, not the clock's now: a window before this one in the same
        # process may have left the clock calm
        self.busy_fps = float(Config.getint("graphics", "maxfps"))
        self.staff_timeout = STAFF_TIMEOUT
        self.closed = False
        self.dimmed = False  # dark: the first touch only wakes the screen
        self.attracting = False  # idle in opening hours: lit, a face moves now and then
        self._overlay_mtime = self._overlay_stamp()
        self.turn = 0  # which of the survey's questions is on screen (alternates)
        self.messages = read_messages(self.settings)  # the store's line under the thanks

    # --- start and stop -----------------------------------------------------------------

    def start(self) -> None:
        self.start_question()
        labels = {"cancel": self.t("Cancel"), "ok": "OK"}
        self.screens["pin"].setup(self.submit_pin, self.leave_staff, labels)
        self.screens["staff"].setup(
            {"back": self.leave_staff, "pause": self.toggle_pause, "test": self.toggle_test}
        )
        if self.panel is not None:
            self.panel.listener = self.from_panel
            self.panel.followup = self.flow.followup_seconds
        self.hours_tick = Clock.schedule_interval(self.check_hours, HOURS_CHECK)
        self.check_hours()
        self.activity()
        # systemd: ready, and alive for as long as this (Kivy's main) loop runs.
        notify(READY)
        period = watchdog_period()
        self.watchdog = period and Clock.schedule_interval(lambda _dt: notify(WATCHDOG), period)

    def stop(self) -> None:
        notify(STOPPING)
        self._wake()  # the attract timer stops; a dark backlight comes back on
        for event in self.timers.values():
            event.cancel()
        self.hours_tick.cancel()
        if self.watchdog:
            self.watchdog.cancel()
        if self.panel is not None:
            self.panel.listener = None

    # --- texts and languages ------------------------------------------------------------

    def t(self, text: str, **values: object) -> str:
        if text.startswith("reason:"):
            return self.settings.survey.reason_label(text[7:], self.language)
        return gettext(self.language, text, **values)

    def choose_language(self, language: str) -> None:
        self.language = language
        self.show_language()

    def show_language(self) -> None:
        survey = self.settings.survey
        question = self.screens["question"]
        _, texts = self.current_question()
        question.question = getattr(texts, self.language) or ""
        scale = survey.scale_info
        low, high = SCALE_ENDS.get(scale.name, ("", ""))
        question.low_text = self.t(low) if low else ""
        question.high_text = self.t(high) if high else ""
        question.show_language(self.language)
        for name, title, subtitle in (
            ("closed", "We are closed", "Welcome back during our opening hours."),
            ("paused", "Feedback is paused", ""),
        ):
            self.screens[name].title = self.t(title)
            self.screens[name].subtitle = self.t(subtitle) if subtitle else ""
        self.screens["pin"].title = self.t("Staff PIN")
        self.screens["pin"].label({"cancel": self.t("Cancel")})

    # --- shoppers -------------------------------------------------------------------------

    def tap(self, score: int) -> None:
        if self.manager.current != "question":
            return
        self.show(self.flow.press(score, "touch"))

    def from_panel(self, event: Any) -> None:
        """On gpiozero's thread: hand the event to the Kivy thread."""
        Clock.schedule_once(lambda _dt: self.on_panel(event), 0)

    def on_panel(self, event: Any) -> None:
        self.activity()
        if event.kind == "pressed" and event.rating is not None:
            if self.manager.current in ("pin", "staff"):
                return  # recorded (a shopper pressed), but staff are using the screen
            self.show(self.flow.recorded(event.rating))
        elif event.kind == "failed":
            self.app.banner.text = self.t(CANNOT_SAVE)
        elif event.kind == "tested":
            self.screens["staff"].tick(event.score)

    def show(self, step: Step) -> None:
        if step.error is not None:
            self.app.banner.text = self.t(CANNOT_SAVE)
            return
        self.app.banner.text = ""
        if step.screen == STAY:
            return
        if step.screen == THANKS:
            thanks = self.screens["thanks"]
            faces, scale = self.settings.survey.faces, self.settings.survey.scale_info
            index = step.score - scale.low
            thanks.kind = faces[index] if faces else ""
            thanks.number = "" if faces else str(step.score)
            thanks.title = plain(self.settings.survey.thanks_text(self.language))
            thanks.subtitle = self.t("Thank you for your feedback.")
            thanks.message = message_now(
                self.messages, self.language, self.settings.hours, self.parts.store.clock,
                self.settings.device.tz,
            )  # fmt: skip
            self.go("thanks")
            self.later("screen", step.seconds, self.back_to_question)
        elif step.screen == FOLLOWUP:
            follow = self.screens["followup"]
            survey = self.settings.survey
            follow.title = plain(survey.followup_prompt(self.language))
            follow.subtitle = self.t("Choose one, or just walk on.")
            follow.setup(
                [(k, plain(self.t("reason:" + k)), survey.pictogram(k)) for k in step.reasons],
                self.choose_reason,
            )
            self.go("followup")
            self.later("screen", step.seconds, self.followup_timeout)
        elif step.screen == CLOSED_SCREEN:
            self.go("closed")
        elif step.screen == QUESTION:
            self.back_to_question()

    def choose_reason(self, reason: str) -> None:
        self.show(self.flow.choose(reason))

    def followup_timeout(self) -> None:
        self.show(self.flow.followup_timed_out())

    def back_to_question(self) -> None:
        self.cancel("screen")
        if self.flow.paused:
            self.go("paused")
        elif self.closed:
            self.go("closed")
        else:
            if not self.reload_if_changed():
                self.next_question()
            self.go("question")

    def go(self, name: str) -> None:
        if self.manager.current != name:
            self.manager.current = name

    # --- time -------------------------------------------------------------------------------

    def later(self, name: str, seconds: float, action: Any) -> None:
        self.cancel(name)
        self.timers[name] = Clock.schedule_once(lambda _dt: action(), seconds)

    def cancel(self, name: str) -> None:
        event = self.timers.pop(name, None)
        if event is not None:
            event.cancel()

    def activity(self) -> None:
        """Someone touched or pressed: wake the screen, restart the idle timers."""
        behaviour = self.settings.behaviour
        self._frame_rate(self.busy_fps)
        self.later("calm", CALM_AFTER, self.calm)
        self._wake()
        self.later("idle", behaviour.idle_timeout, self.idle)
        if behaviour.dim_after:
            self.later("dim", behaviour.dim_after, self.dim)
        if self.manager.current in ("pin", "staff"):
            self.later("staff", self.staff_timeout, self.leave_staff)

    def calm(self) -> None:
        """Nobody has touched it for CALM_AFTER seconds: fewer frames, and the heap's free
        pages back to the system (kiosk.ui.memory)."""
        self._frame_rate(CALM_FPS)
        memory.release()

    def _frame_rate(self, fps: float) -> None:
        # Kivy has no public setter; its clock reads _max_fps each frame. A tap or a button
        # press while calm is seen within 1/CALM_FPS s, and the next frame is at full rate.
        Clock._max_fps = float(fps)

    def idle(self) -> None:
        if self.language != self.settings.survey.default_language:
            self.choose_language(self.settings.survey.default_language)

    def dim(self) -> None:
        """Nobody came for ``dim_after``. Outside opening hours the screen goes dark: the
        backlight off where the screen has one, else a dark veil. In opening hours the
        faces stay fully lit, and one moves now and then to draw shoppers in."""
        if not self.closed:
            self.attracting = True
            self.screens["question"].attract(True)
            return
        self.dimmed = True
        backlight = self.parts.backlight
        if not (backlight is not None and backlight.off()):
            self.app.dimmer.opacity = 1

    def _wake(self) -> None:
        if self.attracting:
            self.attracting = False
            self.screens["question"].attract(False)
        if self.dimmed:
            self.dimmed = False
            self.app.dimmer.opacity = 0
            if self.parts.backlight is not None:
                self.parts.backlight.on()

    def check_hours(self, *_args: Any) -> None:
        self.show_hq_state()
        clock = self.parts.store.clock
        if not clock.synchronized():
            return  # an unsynchronised clock may think it is 1970: stay open (see flags)
        local = clock.now().astimezone(self.settings.device.tz)
        closed = not self.settings.hours.is_open(local)
        self._screensaver(closed)
        if closed != self.closed:
            self.closed = closed
            if self.manager.current in ("question", "closed"):
                self.back_to_question()
            if closed and self.attracting:  # closing time, nobody there: go dark
                self._wake()
                self.dim()
            elif not closed and self.dimmed:  # opening time: light up
                self.activity()

    def show_hq_state(self) -> None:
        """Say whether sync cannot reach HQ (from sync's notes): the status LED blinks."""
        if self.parts.hq_away is None:
            return
        try:
            failing = bool(Ledger(self.parts.store).notes()["last_error"])
            away = failing and self.parts.store.pending_count() > 0
        except StoreError as exc:
            log.warning("could not read the sync state: %s", exc)
            return
        self.parts.hq_away(away)

    def _screensaver(self, allowed: bool) -> None:
        from kivy.core.window import Window

        if hasattr(Window, "allow_screensaver"):
            Window.allow_screensaver = allowed

    # --- settings from HQ ---------------------------------------------------------------------

    def _overlay_stamp(self) -> float | None:
        path = overlay_path(self.settings)
        return path.stat().st_mtime if path.exists() else None

    def reload_if_changed(self) -> bool:
        """Take new survey settings from sync between shoppers (never mid-answer); whether
        it did."""
        stamp = self._overlay_stamp()
        if stamp == self._overlay_mtime:
            return False
        self._overlay_mtime = stamp
        self.messages = read_messages(self.settings)
        try:  # the local file again (HQ may have dropped its tables), and HQ's over it
            settings = apply_overlay(load_settings(self.settings.source))
        except SettingsError as exc:
            log.warning("keeping the survey settings in use: %s", exc)
            return False
        if settings.survey.scale != self.settings.survey.scale:
            log.warning("HQ changed the scale to %s: restarting the kiosk", settings.survey.scale)
            self.app.stop()  # systemd starts it again with the new buttons
            return False
        log.info("survey settings version %s from HQ", settings.survey.version)
        self.settings = self.flow.settings = settings
        self.parts.pins.pin_hash = settings.staff.pin_hash  # HQ's PIN, unless set here
        self.turn = 0
        self.parts.store.context = RatingContext.from_settings(settings)
        self.start_question()
        return True

    def current_question(self) -> tuple[str, Any]:
        """The question on screen now: its id and its texts (:meth:`Survey.questions`)."""
        questions = self.settings.survey.questions()
        return questions[self.turn % len(questions)]

    def next_question(self) -> None:
        """The next of the survey's questions in turn (``[[survey.alternates]]``), for the
        next shopper; its ratings are stamped with its question id."""
        if len(self.settings.survey.questions()) < 2:
            return
        self.turn += 1
        question_id, _ = self.current_question()
        context = RatingContext.from_settings(self.settings)
        self.parts.store.context = replace(context, question_id=question_id)
        self.show_language()

    def start_question(self) -> None:
        """The faces (or numbers), languages and thank-you faces of the current survey."""
        s = self.settings
        self.screens["question"].setup(s.survey.faces, s.survey.scale_info.scores, self.tap)
        self.screens["question"].set_languages(s.survey.languages, self.choose_language)
        self.show_language()
