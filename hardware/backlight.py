"""The screen's backlight, switched off while nobody can use the kiosk.

A dark overlay on a lit panel still burns the backlight all night (and makes an idle
kiosk look switched off). Where the screen has a backlight under
``/sys/class/backlight/<name>/`` (the Raspberry Pi Touch Displays do), it is powered down
through ``bl_power`` (``4``, FB_BLANK_POWERDOWN; ``0`` is on) or, where there is none,
``brightness`` (0, then back to what it was). Where there is no backlight, nothing is
found and the caller keeps its overlay.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

POWER_ON, POWER_DOWN = "0", "4"


class Backlight:
    """The first backlight under *root*'s ``/sys/class/backlight``, if there is one."""

    def __init__(self, root: Path = Path("/")):
        found = sorted((root / "sys/class/backlight").glob("*"))
        self.folder: Path | None = found[0] if found else None
        self.lit = True
        self._brightness: str | None = None

    @property
    def present(self) -> bool:
        return self.folder is not None

    def off(self) -> bool:
        """Switch the backlight off; False when there is none or it cannot be written."""
        if self.folder is None or not self.lit:
            return self.folder is not None
        if (self.folder / "bl_power").exists():
            done = self._write("bl_power", POWER_DOWN)
        else:
            self._brightness = self._read("brightness")
            done = self._write("brightness", "0")
        self.lit = not done
        return done

    def on(self) -> None:
        """Switch it back on, as bright as it was."""
        if self.folder is None or self.lit:
            return
        if (self.folder / "bl_power").exists():
            self._write("bl_power", POWER_ON)
        else:
            self._write("brightness", self._brightness or self._read("max_brightness") or "1")
        self.lit = True

    def _read(self, name: str) -> str | None:
        try:
            return (self.folder / name).read_text().strip()  # type: ignore[operator]
        except OSError:
            return None

    def _write(self, name: str, value: str) -> bool:
        try:
            (self.folder / name).write_text(value + "\n")  # type: ignore[operator]
            return True
        except OSError as exc:  # the kiosk's user may not write it: keep the overlay
            log.warning("cannot switch the backlight (%s/%s): %s", self.folder, name, exc)
            return False
