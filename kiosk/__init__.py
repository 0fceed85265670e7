"""Hymiö kiosk: the device side — settings, the local store, metrics and (under ui/) the app.

Nothing here imports Kivy: only ``kiosk.ui`` does, so sync, HQ and the tests of pure
logic never start a window.
"""

from importlib.metadata import PackageNotFoundError, version

try:  # from git by setuptools-scm when the package was built (pyproject.toml)
    __version__ = version("hymio")
except PackageNotFoundError:  # run from a checkout that was never installed
    __version__ = "0+unknown"
