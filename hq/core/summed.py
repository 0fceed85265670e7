"""Log lines that would come by the thousand (a flood of slow clients, a database outage
under load) summed: the first one at once, then one with the count at most once a minute."""

from __future__ import annotations

import logging
import time

EVERY = 60.0  # seconds between two lines of one kind


class Summed:
    """``summed(*args)`` counts an event; it logs ``text % (count, *args)`` at *level* for
    the first and then at most every *every* seconds, with the events since the last line."""

    def __init__(self, logger: logging.Logger, level: int, text: str, every: float = EVERY):
        self.logger, self.level, self.text, self.every = logger, level, text, every
        self.count, self.last = 0, float("-inf")

    def __call__(self, *args: object) -> None:
        self.count += 1
        now = time.monotonic()
        if now - self.last >= self.every:
            self.logger.log(self.level, self.text, self.count, *args)
            self.count, self.last = 0, now
