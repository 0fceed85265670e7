"""The touchscreen app (Kivy): the only part of Hymiö that imports Kivy.

Import :mod:`kiosk.ui.setup` and call :func:`~kiosk.ui.setup.prepare` before anything
imports Kivy: Kivy reads its configuration once, at its first import.
"""
