"""Kivy's environment, set before Kivy is first imported.

Kivy reads ``KIVY_HOME/config.ini`` at import time, and parses ``sys.argv`` unless told
not to. :func:`prepare` writes our own ``config.ini`` (from ``kiosk/assets/kivy/config.ini``,
with this kiosk's rotation and window mode) into a private ``KIVY_HOME`` and points Kivy
at it, so nothing from a user's ``~/.kivy`` leaks in and Kivy logs to stdout only.
"""

from __future__ import annotations

import configparser
import os
import tempfile
from pathlib import Path

from kiosk.i18n import ASSETS

TEMPLATE = ASSETS / "kivy" / "config.ini"
LANDSCAPE, PORTRAIT = (800, 480), (720, 1280)


def kivy_config(
    *,
    rotation: int = 0,
    windowed: bool = False,
    size: tuple[int, int] = LANDSCAPE,
    offscreen: bool = False,
) -> configparser.ConfigParser:
    """Our Kivy configuration for this kiosk."""
    config = configparser.ConfigParser(interpolation=None)
    config.read(TEMPLATE, encoding="utf-8")
    graphics = config["graphics"]
    graphics["rotation"] = str(rotation)
    graphics["width"], graphics["height"] = str(size[0]), str(size[1])
    if windowed:  # for trying it on a desktop: a window, a cursor, no kiosk lock-down of size
        graphics["fullscreen"] = "0"
        graphics["borderless"] = "0"
        graphics["show_cursor"] = "1"
    if offscreen:  # SDL's offscreen driver has no full screen to take
        graphics["fullscreen"] = "0"
    return config


def prepare(
    *,
    rotation: int = 0,
    windowed: bool = False,
    size: tuple[int, int] = LANDSCAPE,
    offscreen: bool = False,
    home: Path | None = None,
) -> Path:
    """Set Kivy's environment; returns the ``KIVY_HOME`` used. Call before importing Kivy.

    With ``SDL_VIDEODRIVER=offscreen`` already set, the window is offscreen too.
    """
    offscreen = offscreen or os.environ.get("SDL_VIDEODRIVER") == "offscreen"
    home = home or Path(tempfile.mkdtemp(prefix="hymio-kivy-"))
    home.mkdir(parents=True, exist_ok=True)
    with (home / "config.ini").open("w", encoding="utf-8") as out:
        kivy_config(rotation=rotation, windowed=windowed, size=size, offscreen=offscreen).write(out)
    os.environ["KIVY_HOME"] = str(home)
    os.environ["KIVY_NO_ARGS"] = "1"  # our own command line, not Kivy's
    os.environ["KIVY_NO_FILELOG"] = "1"
    # SDL would turn SIGTERM into a window close request, which the kiosk refuses; systemd's
    # stop must stop it, so the app handles SIGTERM itself (KioskApp.build).
    os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
    os.environ["KIVY_LOG_MODE"] = "PYTHON"  # Kivy's records go to our logging (stdout)
    # Where Mesa draws in software (llvmpipe: no GPU driver, a VM, this offscreen window), its
    # rasteriser threads let the main thread run ahead, and each frame it gets ahead by takes
    # one more scene from a pool that grows to 64 and is never freed: ~45 MB over the first
    # thousand thank-you screens. A kiosk's frames are small; drawn on the main thread they
    # take one scene and the same frames (bench/kiosk.py). A GPU driver ignores the variable.
    os.environ.setdefault("LP_NUM_THREADS", "0")
    if offscreen:  # no display: SDL2 renders with Mesa into memory (tests, demo --headless)
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
    return home
