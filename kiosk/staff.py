"""Staff mode without a window: the PIN lock and what the staff screen shows.

:class:`PinLock` checks PINs against the scrypt hash in ``[staff] pin_hash``; after
``wrong_pin_limit`` wrong PINs in a row it refuses every PIN for ``wrong_pin_lockout``
seconds, twice as long after each further lockout (at most a day), kept in the store
across restarts. :func:`staff_report` gathers today's
figures, sync's state and the device's facts from the store and the machine.
"""

from __future__ import annotations

import logging
import shutil
import socket
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from typing import Any

from kiosk import __version__, pin
from kiosk.errors import StoreError
from kiosk.settings.model import Settings
from kiosk.store import staff_lock
from kiosk.store.ledger import Ledger
from kiosk.store.staff_lock import LockState
from kiosk.store.store import Store
from kiosk.tally import tally
from kiosk.timekeeping.clock import Clock, SystemClock
from kiosk.timekeeping.localtime import parse_utc_text, to_utc_text

log = logging.getLogger(__name__)

OK, WRONG, LOCKED, NO_PIN = "ok", "wrong", "locked", "no_pin"
LONGEST_LOCK = 24 * 3600.0  # the doubling stops at a day: staff must get in some day


@dataclass(frozen=True)
class PinAnswer:
    """The answer to a PIN: ``ok``, ``wrong``, ``locked`` (for *seconds*) or ``no_pin``."""

    result: str
    seconds: float = 0.0
    tries_left: int = 0


class PinLock:
    """Checks staff PINs; locks after too many wrong ones, doubling the lock each time.

    With a *store*, the state (wrong PINs in a row, lockouts, the lock in force) is kept in
    it, committed before each answer, so a restart or a power cut gives no fresh guesses.
    A lock runs on CLOCK_MONOTONIC within a boot, which no clock change moves. After a
    reboot (the monotonic clock starts again) the wall clock says how long the kiosk was
    off; a wall clock earlier than the lock's start (set back, or a Pi that booted without
    network, with no real-time clock) cannot say, so the lock runs for its whole length
    again from then. A right PIN starts the counts again.
    """

    def __init__(
        self,
        pin_hash: str | None,
        limit: int = 5,
        lockout: float = 60.0,
        monotonic: Callable[[], float] | None = None,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
    ):
        """*monotonic* (seconds) replaces the *clock*'s CLOCK_MONOTONIC, for tests without
        a store; without a *store* the state lives in memory only."""
        self.pin_hash, self.limit, self.lockout = pin_hash, limit, lockout
        self._clock: Clock = clock or SystemClock()
        self._monotonic = monotonic
        self._store = store
        self.state = staff_lock.load(store) if store is not None else LockState()

    @classmethod
    def from_settings(cls, settings: Settings, **kwargs: Any) -> PinLock:
        s = settings.staff
        return cls(s.pin_hash, s.wrong_pin_limit, s.wrong_pin_lockout, **kwargs)

    def remaining(self) -> float:
        """Seconds the pad stays locked (0 when open)."""
        state = self._in_this_boot()
        if state.seconds <= 0:
            return 0.0
        return max(0.0, state.seconds - (self._mono_ns() - state.mono_ns) / 1e9)

    def check(self, entered: str) -> PinAnswer:
        """Check *entered*; a locked pad refuses even the right PIN."""
        if self.pin_hash is None:
            return PinAnswer(NO_PIN)
        left = self.remaining()
        if left > 0:
            return PinAnswer(LOCKED, left)
        if pin.check_pin(entered, self.pin_hash):
            if self.state != LockState():
                self._keep(LockState())
            return PinAnswer(OK)
        wrong = self.state.wrong + 1
        if wrong >= self.limit:
            lockouts = self.state.lockouts + 1
            seconds = min(self.lockout * 2 ** min(lockouts - 1, 32), LONGEST_LOCK)
            self._keep(LockState(0, lockouts, seconds, *self._now()))
            return PinAnswer(LOCKED, seconds)
        self._keep(LockState(wrong, self.state.lockouts))
        return PinAnswer(WRONG, tries_left=self.limit - wrong)

    def _in_this_boot(self) -> LockState:
        """The state, its lock measured from this boot's monotonic clock."""
        state = self.state
        if state.seconds <= 0:
            return state
        since, boot, mono = self._now()
        if state.boot_id == boot and state.mono_ns <= mono:
            return state
        off = (parse_utc_text(since) - parse_utc_text(state.since)).total_seconds()
        left = state.seconds if off < 0 else max(0.0, state.seconds - off)
        return self._keep(replace(state, seconds=left, since=since, boot_id=boot, mono_ns=mono))

    def _keep(self, state: LockState) -> LockState:
        self.state = state  # this process keeps to it even if the disk refuses it
        if self._store is not None:
            try:
                staff_lock.save(self._store, state)
            except StoreError as exc:
                log.error("the staff PIN lock could not be saved: %s", exc)
        return state

    def _mono_ns(self) -> int:
        if self._monotonic is not None:
            return int(self._monotonic() * 1e9)
        return self._clock.monotonic_ns()

    def _now(self) -> tuple[str, str, int]:
        return to_utc_text(self._clock.now()), self._clock.boot_id(), self._mono_ns()


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
