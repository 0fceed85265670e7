"""The reason pictograms the product ships: their names and files.

Small PNG line drawings under ``kiosk/assets/pictograms/`` (package data, drawn by
``docs/pictograms.py``). A survey names one per reason (``[survey.reason_pictogram]``);
the kiosk draws it on the reason's button and HQ's survey preview shows the same file.
"""

from __future__ import annotations

from pathlib import Path

PICTOGRAMS = ("queue", "service", "price", "stock", "clean", "clock", "cart", "other")


def pictogram_file(name: str) -> Path:
    """The PNG of pictogram *name* (one of :data:`PICTOGRAMS`) in the installed assets."""
    if name not in PICTOGRAMS:
        raise KeyError(name)
    from kiosk.i18n import ASSETS

    return ASSETS / "pictograms" / f"{name}.png"
