"""Which gpiozero pin factory drives the pins.

On a Raspberry Pi: lgpio, chosen explicitly. Raspberry Pi OS Bookworm and the Pi 5 need it;
RPi.GPIO does not work on a Pi 5, yet gpiozero's auto-detection may pick it when it is
installed, so auto-detection is never used. ``--simulate`` and the tests use gpiozero's
``MockFactory``: the same devices, the same callbacks, no hardware.
"""

from __future__ import annotations

import logging

from gpiozero import Factory

from hardware.errors import PinFactoryError

log = logging.getLogger(__name__)


def make_factory(simulate: bool) -> Factory:
    """A ``MockFactory`` when *simulate*, else lgpio's; the choice is logged."""
    if simulate:
        from gpiozero.pins.mock import MockFactory

        factory: Factory = MockFactory()
    else:
        try:
            from gpiozero.pins.lgpio import LGPIOFactory

            factory = LGPIOFactory()
        except Exception as exc:  # ImportError, or lgpio failing to open the chip
            raise PinFactoryError(
                f"cannot drive the GPIO pins with lgpio ({exc}); on a Raspberry Pi install"
                " it with `sudo apt install python3-lgpio` (or `pip install hymio[pi]`),"
                " elsewhere run with --simulate"
            ) from exc
    log.info("GPIO pin factory: %s", type(factory).__name__)
    return factory
