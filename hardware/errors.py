"""The hardware layer's exceptions."""

from __future__ import annotations

from kiosk.errors import HymioError


class HardwareError(HymioError):
    """The GPIO pins cannot be used as the settings say."""


class PinFactoryError(HardwareError, OSError):
    """No pin factory could be started (no lgpio, or not a Raspberry Pi)."""


class PinClaimError(HardwareError, OSError):
    """A configured pin cannot be claimed (in use by another process, or not a GPIO pin)."""
