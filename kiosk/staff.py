"""Staff mode without a window: the PIN lock and what the staff screen shows.

:class:`PinLock` checks PINs against the scrypt hash in ``[staff] pin_hash``; after
``wrong_pin_limit`` wrong PINs in a row it refuses every PIN for ``wrong_pin_lockout``
seconds, twice as long after each further lockout. :func:`staff_report` gathers today's
figures, sync's state and the device's facts from the store and the machine.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from kiosk import __version__, pin
from kiosk.localtime import parse_utc_text
from kiosk.settings.model import Settings
from kiosk.store.ledger import Ledger
from kiosk.store.store import Store
from kiosk.tally import tally

OK, WRONG, LOCKED, NO_PIN = "ok", "wrong", "locked", "no_pin"


@dataclass(frozen=True)
class PinAnswer:
    """The answer to a PIN: ``ok``, ``wrong``, ``locked`` (for *seconds*) or ``no_pin``."""

    result: str
    seconds: float = 0.0
    tries_left: int = 0


class PinLock:
    """Checks staff PINs; locks after too many wrong ones, doubling the lock each time."""

    def __init__(
        self,
        pin_hash: str | None,
        limit: int = 5,
        lockout: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.pin_hash, self.limit, self.lockout = pin_hash, limit, lockout
        self._monotonic = monotonic
        self.wrong = 0
        self.lockouts = 0
        self.locked_until = 0.0

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> PinLock:
        s = settings.staff
        return cls(s.pin_hash, s.wrong_pin_limit, s.wrong_pin_lockout, **kwargs)

    def remaining(self) -> float:
        """Seconds the pad stays locked (0 when open)."""
        return max(0.0, self.locked_until - self._monotonic())

    def check(self, entered: str) -> PinAnswer:
        """Check *entered*; a locked pad refuses even the right PIN."""
        if self.pin_hash is None:
            return PinAnswer(NO_PIN)
        left = self.remaining()
        if left > 0:
            return PinAnswer(LOCKED, left)
        if pin.check_pin(entered, self.pin_hash):
            self.wrong = 0
            return PinAnswer(OK)
        self.wrong += 1
        if self.wrong >= self.limit:
            self.wrong = 0
            self.lockouts += 1
            seconds = self.lockout * 2 ** (self.lockouts - 1)
            self.locked_until = self._monotonic() + seconds
            return PinAnswer(LOCKED, seconds)
        return PinAnswer(WRONG, tries_left=self.limit - self.wrong)


def staff_report(store: Store, settings: Settings) -> dict[str, Any]:
    """Everything the staff screen shows, as plain data (tested without a window)."""
    figures = tally(store, days=7)
    clock = store.clock
    return {
        "tally": figures,
        "sync": Ledger(store).state(),
        "device": {
            "id": settings.device.id,
            "store": settings.device.store_id,
            "version": __version__,
            "ip": local_ip(),
            "clock_synced": clock.synchronized(),
            "now": clock.now(),
            "tz": settings.device.tz,
            "disk_free": shutil.disk_usage(store.path.parent).free,
        },
    }


def when(at: str | None, now: datetime, tz: tzinfo, t: Callable[..., str]) -> str:
    """A time for staff, in the store's zone: "just now", "3 min ago", "today 09:27",
    "yesterday 18:02", else "28.11. 14:05"; *t* translates."""
    if not at:
        return t("never")
    instant = parse_utc_text(at)
    seconds = (now - instant).total_seconds()
    if 0 <= seconds < 60:
        return t("just now")
    if 0 <= seconds < 3600:
        return t("{n} min ago", n=int(seconds // 60))
    local, today = instant.astimezone(tz), now.astimezone(tz).date()
    clock = f"{local:%H:%M}"
    if local.date() == today:
        return t("today {time}", time=clock)
    if local.date() == today - timedelta(days=1):
        return t("yesterday {time}", time=clock)
    return f"{local.day}.{local.month}. {clock}"


def local_ip() -> str | None:
    """The address this machine would use to reach the network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: never routed, nothing is sent
            return probe.getsockname()[0]
        except OSError:
            return None
