"""Simulated shoppers for ``hymio demo``: they press the arcade buttons (through the mock
pins, the same path as a real pin edge), tap the faces (as touches through the window),
answer some follow-up questions, let others time out, and now and then press twice.

They run on Kivy's clock inside the real app, so everything from the pin edge or the touch
to the committed row is the kiosk's own code.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.input.motionevent import MotionEvent

log = logging.getLogger(__name__)

TICK = 0.02  # seconds between the robot's looks at the screen
HOLD = 0.05  # how long a button is held
REPEAT_SHARE = 0.08  # shoppers who press again at once (stored, flagged as a repeat)
REASON_SHARE = 0.85  # follow-up questions answered (the rest time out)
TAP_SHARE = 0.5  # taps on the screen; the rest press a button
SETTLE_FRAMES = 2  # frames a screen is shown before the robot touches it
THINK = 0.2  # seconds a shopper takes to choose a follow-up reason


class Finger(MotionEvent):
    """A touch at window coordinates, dispatched as the window would."""

    def __init__(self, x: float, y: float):
        window = EventLoop.window
        args = {"x": x / (window.width - 1.0), "y": y / (window.height - 1.0)}
        super().__init__("robot", 1, args, is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict) -> None:
        self.sx, self.sy = args["x"], args["y"]
        super().depack(args)

    def tap(self) -> None:
        EventLoop.post_dispatch_input("begin", self)
        EventLoop.post_dispatch_input("end", self)


def tap(widget: Any) -> None:
    """Tap the middle of *widget*."""
    Finger(*widget.to_window(*widget.center)).tap()


class Shoppers:
    """Simulated shoppers at one running kiosk app.

    *presses* shoppers come (None: they keep coming), each *pace* seconds (a range) after
    the last; *done* is called once the last one has left and nothing is on screen.
    """

    def __init__(
        self,
        app: Any,
        factory: Any,
        *,
        presses: int | None,
        pace: tuple[float, float],
        done: Callable[[], None] = lambda: None,
        seed: int | None = None,
    ):
        self.app, self.factory, self.presses, self.pace = app, factory, presses, pace
        self.done = done
        self.rng = random.Random(seed)
        self.made = 0
        self.pressed_at = 0.0
        self.next_at = time.monotonic() + 1.0
        self.held: Any = None
        self.release_at = 0.0
        self.answered: Any = None  # the follow-up screen's rating already dealt with
        settings = app.parts.settings
        self.pins = settings.buttons.face_buttons
        self.scores = list(settings.survey.scale_info.scores)
        # Most shoppers are content: the happier half of the scale is chosen more often.
        n = len(self.scores)
        self.weights = [1 + 3 * i / max(1, n - 1) for i in range(n)]
        self.event = None
        self.screen, self.shown_at = "", 0

    def start(self) -> None:
        self.event = Clock.schedule_interval(self.tick, TICK)

    def stop(self) -> None:
        if self.event is not None:
            self.event.cancel()
        if self.held is not None:
            self.held.drive_high()
            self.held = None

    def tick(self, _dt: float) -> None:
        now = time.monotonic()
        if self.held is not None and now >= self.release_at:
            self.held.drive_high()
            self.held = None
        screen = self.app.conductor.manager.current
        if screen != self.screen:  # a new screen is laid out on the next frame: wait for it
            self.screen, self.shown_at = screen, Clock.frames_displayed
        if Clock.frames_displayed - self.shown_at < SETTLE_FRAMES:
            return
        if screen == "followup":
            self.followup(now)
            return
        if screen != "question" or now < self.next_at or self.held is not None:
            return
        if self.presses is not None and self.made >= self.presses:
            if self.app.parts.flow.open_followup is None:
                self.stop()  # no more ticks: done is called once
                self.done()
            return
        self.shop(now)

    def shop(self, now: float) -> None:
        score = self.rng.choices(self.scores, self.weights)[0]
        i = self.scores.index(score)
        if self.pins and self.rng.random() >= TAP_SHARE:
            self.held = self.factory.pin(self.pins[i])
            self.held.drive_low()
            self.release_at = now + HOLD
        else:
            question = self.app.screens["question"]
            tap(next(b for b in question.buttons if b.score == score))
        self.made += 1
        log.info("shopper %d: %s %d", self.made, "taps" if self.held is None else "presses", score)
        self.pressed_at = now
        if self.rng.random() < REPEAT_SHARE:
            self.next_at = now  # at once, when the thank-you ends: a repeat
        else:
            self.next_at = now + self.rng.uniform(*self.pace)

    def followup(self, now: float) -> None:
        rating = self.app.parts.flow.open_followup
        if rating is None or rating is self.answered:
            return
        if now < self.pressed_at + THINK:
            return
        self.answered = rating
        if self.rng.random() < REASON_SHARE:
            reasons = self.app.screens["followup"].ids.reasons.children
            if reasons:
                tap(self.rng.choice(reasons))
