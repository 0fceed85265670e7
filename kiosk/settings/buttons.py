"""``[buttons]``: the GPIO pins of the face buttons, their LEDs and the status LED.

The pins' defaults follow the survey's scale, which :mod:`kiosk.settings.load` passes in the
validation context (touch-only scales get no buttons).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, ValidationInfo, model_validator

from kiosk.counting.scales import DEFAULT_SCALE, SCALES, Scale
from kiosk.settings.base import Listed, Problem, Table

# BCM numbers of the 40-pin header that are free GPIO on every Raspberry Pi since the B+.
BUTTON_PINS = (5, 6, 13, 19, 26)
LED_PINS = (17, 27, 22, 23, 24)
PIN_RANGE = range(2, 28)


def _check_pin(number: int) -> int:
    if number not in PIN_RANGE:
        raise ValueError(f"GPIO pin {number} does not exist; use BCM numbers 2–27")
    return number


Pin = Annotated[int, AfterValidator(_check_pin)]


class Buttons(Table):
    """``[buttons]``: BCM GPIO pin of each face's button and LED, lowest face first."""

    face_buttons: Annotated[tuple[Pin, ...], Listed] = ()
    face_leds: Annotated[tuple[Pin, ...], Listed] = ()
    status_led: Pin | None = None
    debounce_ms: int = Field(30, ge=0, le=500)

    @model_validator(mode="before")
    @classmethod
    def _default_pins(cls, data: Any, info: ValidationInfo) -> Any:
        scale = _context_scale(info)
        if not isinstance(data, dict) or scale is None:
            return data
        n = scale.size if scale.has_buttons else 0
        if "face_buttons" not in data:
            data = {**data, "face_buttons": list(BUTTON_PINS[:n])}
        if "face_leds" not in data:
            count = len(data["face_buttons"]) if isinstance(data["face_buttons"], list) else n
            data = {**data, "face_leds": list(LED_PINS[:count])}
        return data

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> Buttons:
        scale = _context_scale(info)
        if scale is not None and not scale.has_buttons and self.face_buttons:
            raise Problem(
                "buttons.face_buttons", f"{scale.name} is touch-only; remove buttons.face_buttons"
            )
        if scale is not None and scale.has_buttons and len(self.face_buttons) != scale.size:
            raise Problem(
                "buttons.face_buttons",
                f"the {scale.name} scale has {scale.size} faces, so give"
                f" {scale.size} button pins, not {len(self.face_buttons)}",
            )
        if self.face_leds and len(self.face_leds) != len(self.face_buttons):
            raise Problem(
                "buttons.face_leds", "give one LED pin per button, or [] for buttons without LEDs"
            )
        seen: dict[int, str] = {}
        for key, pins in (("face_buttons", self.face_buttons), ("face_leds", self.face_leds)):
            for i, number in enumerate(pins):
                _claim(seen, number, f"buttons.{key}[{i}]")
        if self.status_led is not None:
            _claim(seen, self.status_led, "buttons.status_led")
        return self


def _context_scale(info: ValidationInfo) -> Scale | None:
    # The survey's scale, passed in by kiosk.settings.load; None if it is not a known scale
    # (that mistake is reported at survey.scale).
    name = (info.context or {}).get("scale", DEFAULT_SCALE)
    return SCALES.get(name) if isinstance(name, str) else None


def _claim(seen: dict[int, str], number: int, key: str) -> None:
    if number in seen:
        raise Problem(
            key,
            f"GPIO pin {number} is used twice ({seen[number]} and {key}); give each button"
            " and LED its own pin",
        )
    seen[number] = key
