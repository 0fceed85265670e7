"""Hymiö kiosk: the device side — settings, the local store, metrics and (under ui/) the app.

Nothing here imports Kivy: only ``kiosk.ui`` does, so sync, HQ and the tests of pure
logic never start a window.
"""

__version__ = "0.1.0"
