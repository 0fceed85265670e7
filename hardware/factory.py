"""Which gpiozero pin factory drives the pins.

On a Raspberry Pi: lgpio, chosen explicitly. Raspberry Pi OS Bookworm and the Pi 5 need it;
RPi.GPIO does not work on a Pi 5, yet gpiozero's auto-detection may pick it when it is
installed, so auto-detection is never used. ``--simulate`` and the tests use gpiozero's
``MockFactory``: the same devices, the same callbacks, no hardware.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from gpiozero import Factory

from hardware.errors import PinFactoryError

log = logging.getLogger(__name__)


def lgpio_help(exc: Exception, cwd: Path) -> str:
    """Why lgpio could not open the GPIO chip, and what to do."""
    if not os.access(cwd, os.W_OK):
        # lgpio makes its notification pipe in the working directory (gpiozero#1106,
        # joan2937/lg#22); under ProtectSystem=strict without WorkingDirectory= that is /.
        return (
            f"lgpio could not start ({exc}): it needs a writable working directory and"
            f" {cwd} is not; the units run in /var/lib/hymio (WorkingDirectory=), so"
            " reinstall them with deploy/install-pi.sh, or cd to a writable folder"
        )
    return (
        f"lgpio could not open the GPIO chip ({exc}): is this a Raspberry Pi, and is the"
        " kiosk's user in the gpio group (deploy/install-pi.sh adds it)? Elsewhere run"
        " with --simulate"
    )


def make_factory(simulate: bool) -> Factory:
    """A ``MockFactory`` when *simulate*, else lgpio's; the choice is logged."""
    if simulate:
        from gpiozero.pins.mock import MockFactory

        factory: Factory = MockFactory()
    else:
        try:
            from gpiozero.pins.lgpio import LGPIOFactory
        except ImportError as exc:
            raise PinFactoryError(
                f"lgpio is not installed ({exc}): install Hymiö with its Raspberry Pi extra"
                " into its virtual environment (`pip install 'hymio[pi]'`, as"
                " deploy/install-pi.sh does); elsewhere run with --simulate"
            ) from exc
        try:
            factory = LGPIOFactory()
        except Exception as exc:  # lgpio failing to open the chip or its notify pipe
            raise PinFactoryError(lgpio_help(exc, Path.cwd())) from exc
    log.info("GPIO pin factory: %s", type(factory).__name__)
    return factory
