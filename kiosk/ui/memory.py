"""Hand freed native memory back to the system when the kiosk calms down.

Every thank-you screen makes and drops label textures and vertex buffers in C (Kivy, SDL,
Mesa). glibc keeps the freed chunks in its heap, between ones still in use, so the resident
set creeps up by ~20 MB over the first thousand shoppers although nothing leaks.
``malloc_trim(0)`` returns those whole free pages to the kernel; it takes a few
milliseconds, so the kiosk calls it when nobody is there (:data:`kiosk.ui.conductor.CALM_AFTER`
seconds after the last touch), not while it draws.
"""

from __future__ import annotations

import ctypes


def _malloc_trim():
    try:
        return ctypes.CDLL(None).malloc_trim  # glibc; musl and others have none
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release() -> bool:
    """Give free heap pages back to the kernel; False where the C library cannot."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
