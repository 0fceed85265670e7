"""Per-device rate limiting: a token bucket for each device, in this process.

Each API process keeps its own buckets, so behind a load balancer with N processes a device
may get up to N times the rate; the limit is there to stop one runaway kiosk, not to meter.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """*rate* requests per second per key, bursts of up to *burst*."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic):
        if rate <= 0 or burst < 1:
            raise ValueError(f"rate {rate} and burst {burst} must be above 0")
        self.rate, self.burst, self._clock = rate, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token for *key*: 0 if allowed, else the seconds to wait before retrying."""
        now = self._clock()
        with self._lock:
            tokens, then = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def retry_after(wait: float) -> str:
    """*wait* seconds as a Retry-After header value (whole seconds, at least 1)."""
    return str(max(1, math.ceil(wait)))
