"""The button panel: one arcade button with an LED per face, wired to GPIO.

gpiozero calls back on its own thread. A press is debounced, recorded in the store
(``source="button"``, flagged by the store's own rule), and only after the commit does the
face's LED light and the listener hear of it. A failed record (full disk) never lights a
"thank you": the status LED blinks fast and the listener hears of the error instead. A
button held past the store's ``stuck_after`` is recorded once with the ``stuck`` flag and
then ignored until it is released.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from gpiozero import LED, Button, Factory

from hardware.debounce import Debouncer
from hardware.status import CANNOT_WRITE, STUCK, StatusLight
from kiosk.counting.flags import says_thank_you
from kiosk.errors import StoreWriteError
from kiosk.rating import Rating
from kiosk.store.store import Store

if TYPE_CHECKING:
    from kiosk.settings.model import Settings

log = logging.getLogger(__name__)

PRESSED, FAILED, STUCK_EVENT, FREED = "pressed", "failed", "stuck", "freed"
TESTED = "tested"  # a press during staff's hardware test (not recorded)
# What a press does: record it (normal), nothing (staff paused collection), or light its
# LED and tell the listener without recording (staff's hardware test).
COLLECT, PAUSED, TEST = "collect", "paused", "test"


@dataclass(frozen=True)
class PanelEvent:
    """What a listener (the UI) hears: a recorded press, a failed one, or a stuck button."""

    kind: str
    score: int
    rating: Rating | None = None
    error: Exception | None = None


Listener = Callable[[PanelEvent], None]


class ButtonPanel:
    """Face buttons and LEDs on *pin_factory*; scores from the store's scale, lowest first."""

    def __init__(
        self,
        store: Store,
        button_pins: tuple[int, ...],
        led_pins: tuple[int, ...],
        *,
        pin_factory: Factory,
        debounce_ms: int = 30,
        status_pin: int | None = None,
        listener: Listener | None = None,
        followup: Callable[[int], float | None] | None = None,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ):
        scale = store.context.scale
        if len(button_pins) != scale.size:
            raise ValueError(
                f"the {scale.name} scale needs {scale.size} buttons, got {len(button_pins)}"
            )
        self.store = store
        self.listener = listener
        self.followup = followup  # score → seconds the follow-up question stays open, or None
        self.mode = COLLECT
        self.scores = list(scale.scores)
        self.thank_you = store.context.rules.thank_you
        self._now = monotonic_ns
        self._lock = threading.Lock()
        # One thread turns the thanked LED off when its time is up (not a Timer thread per
        # press: each costs a thread start, and one already firing when cancelled would
        # darken the next press's LED early).
        self._wake = threading.Condition(self._lock)
        self._dark_at: float | None = None
        self._closing = False
        self._darkener: threading.Thread | None = None
        self._pressed_at: dict[int, int] = {}
        self.stuck: set[int] = set()
        self.buttons: list[Button] = []
        self.leds: list[LED] = []
        self.status = StatusLight(status_pin, pin_factory)
        try:
            for pin in led_pins:
                self.leds.append(LED(pin, pin_factory=pin_factory))
            for i, pin in enumerate(button_pins):
                button = Button(
                    pin,
                    pull_up=True,
                    bounce_time=None,
                    hold_time=store.context.rules.stuck_after,
                    pin_factory=pin_factory,
                )
                self.buttons.append(button)
                self._wire(i, button, Debouncer(debounce_ms * 1_000_000))
        except BaseException:
            self.close()
            raise

    @classmethod
    def from_settings(
        cls, store: Store, settings: Settings, pin_factory: Factory, **kwargs: Any
    ) -> ButtonPanel:
        """The panel that the ``[buttons]`` table describes."""
        b = settings.buttons
        return cls(
            store,
            b.face_buttons,
            b.face_leds,
            pin_factory=pin_factory,
            debounce_ms=b.debounce_ms,
            status_pin=b.status_led,
            **kwargs,
        )

    def _wire(self, i: int, button: Button, debouncer: Debouncer) -> None:
        def pressed() -> None:
            if debouncer.pressed(self._now()) and i not in self.stuck:
                self._pressed_at[i] = self._now()
                if self.mode == COLLECT:
                    self._record(i)
                elif self.mode == TEST:  # staff's hardware test: light and tell, record nothing
                    self._thank(i)
                    self._tell(PanelEvent(TESTED, self.scores[i]))

        def released() -> None:
            debouncer.released(self._now())
            if i in self.stuck:
                self.stuck.discard(i)
                self.status.set(STUCK, bool(self.stuck))
                log.warning("face %d's button released; it counts again", self.scores[i])
                self._tell(PanelEvent(FREED, self.scores[i]))

        def held() -> None:
            # gpiozero's hold timer: the button has been down for stuck_after seconds.
            if i in self.stuck:  # already known (pressed at start-up): one report is enough
                return
            since = self._pressed_at.get(i)
            seconds = (self._now() - since) / 1e9 if since is not None else 0.0
            self.stuck.add(i)
            self.status.set(STUCK, True)
            log.warning(
                "face %d's button is stuck (held %.1f s); ignoring it until released",
                self.scores[i],
                seconds,
            )
            self._record(i, held=max(seconds, self.store.context.rules.stuck_after), tell=False)
            self._tell(PanelEvent(STUCK_EVENT, self.scores[i]))

        button.when_pressed = pressed
        button.when_released = released
        button.when_held = held
        if button.is_pressed:  # held or shorted at start-up: no press happened
            debouncer.pressed(self._now())
            self.stuck.add(i)
            self.status.set(STUCK, True)
            log.warning("face %d's button is pressed at start-up: held or shorted", self.scores[i])

    def _record(self, i: int, held: float = 0.0, tell: bool = True) -> None:
        score = self.scores[i]
        try:
            seconds = self.followup(score) if self.followup and not held else None
            rating = self.store.record(score, "button", held=held, followup_seconds=seconds)
        except StoreWriteError as exc:
            log.error("press of face %d not saved: %s", score, exc)
            self.status.set(CANNOT_WRITE, True)
            self._tell(PanelEvent(FAILED, score, error=exc))
            return
        except Exception as exc:  # a bug: keep the buttons alive, log it, thank nobody
            log.exception("press of face %d not saved", score)
            self._tell(PanelEvent(FAILED, score, error=exc))
            return
        self.status.set(CANNOT_WRITE, False)
        if says_thank_you(rating.flag):
            self._thank(i)
        if tell:
            self._tell(PanelEvent(PRESSED, score, rating=rating))

    def _thank(self, i: int) -> None:
        """Light face *i*'s LED alone for the thank-you time."""
        if not self.leds:
            return
        with self._lock:
            if self._closing:
                return
            for j, led in enumerate(self.leds):
                if j != i:
                    led.off()
            self.leds[i].on()
            self._dark_at = time.monotonic() + self.thank_you
            self._wake.notify()
            if self._darkener is None:
                self._darkener = threading.Thread(
                    target=self._darken, name="led-darkener", daemon=True
                )
                self._darkener.start()

    def _darken(self) -> None:
        with self._lock:
            while not self._closing:
                if self._dark_at is None:
                    self._wake.wait()
                    continue
                left = self._dark_at - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                self._dark_at = None
                for led in self.leds:
                    if not led.closed:
                        led.off()

    def _tell(self, event: PanelEvent) -> None:
        if self.listener is None:
            return
        try:
            self.listener(event)
        except Exception:  # a broken listener must not stop the buttons
            log.exception("the panel's listener failed on %s", event)

    def close(self) -> None:
        """Stop the timers and release every pin."""
        with self._lock:
            self._closing = True
            self._wake.notify()
        if self._darkener is not None:
            self._darkener.join(1)
        for device in (*self.buttons, *self.leds):
            device.close()
        self.status.close()
