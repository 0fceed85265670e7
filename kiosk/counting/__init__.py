"""How presses become figures: the scales and their faces (:mod:`.scales`), the flags that
keep a press out of the figures (:mod:`.flags`), the one implementation of CSAT, the
satisfaction index, NPS and CES that the kiosk, the CLI and HQ all use (:mod:`.metrics`).

Pure logic over ratings: it imports only :mod:`kiosk.timekeeping` and the standard library.
"""
