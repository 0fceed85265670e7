"""What a store did about its feedback, and the line its kiosks show after the
thank-you ("you said, we did"): :mod:`.log`.

Builds on :mod:`hq.insight` (a store's local day) and the rooms below it.
"""
