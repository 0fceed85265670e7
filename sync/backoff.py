"""Exponential backoff with full jitter (SPEC §6: a thousand kiosks must not stampede HQ).

Attempt *n* waits a uniformly random time between 0 and ``min(cap, base * 2**n)``
("full jitter", AWS Architecture Blog, 2015): kiosks that failed together spread out
instead of retrying in step. A success resets it.
"""

from __future__ import annotations

import random


class Backoff:
    """The wait before the next try after *failures* failures in a row."""

    def __init__(self, base: float = 2.0, cap: float = 600.0, rng: random.Random | None = None):
        if not 0 < base <= cap:
            raise ValueError(f"need 0 < base <= cap, got base={base!r}, cap={cap!r}")
        self.base, self.cap = base, cap
        self.failures = 0
        self._rng = rng or random.Random()

    def ceiling(self) -> float:
        """The longest wait the next failure may bring."""
        return min(self.cap, self.base * 2 ** min(self.failures, 64))

    def fail(self, at_least: float = 0.0) -> float:
        """Count a failure; the seconds to wait (never less than *at_least*, e.g. Retry-After)."""
        wait = self._rng.uniform(0, self.ceiling())
        self.failures += 1
        return max(wait, at_least)

    def reset(self) -> None:
        """A success: the next failure starts from the base again."""
        self.failures = 0
