"""The device's clocks: UTC wall time, CLOCK_MONOTONIC, the kernel boot id, NTP state.

A Raspberry Pi has no real-time clock: until NTP synchronises it, wall time may be days
or months off. Each rating therefore also carries the boot id and the monotonic time,
so that sync can repair ``recorded_at`` later (SPEC §2). Code takes a clock as an
argument; tests pass a :class:`ManualClock`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")
TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")
_TIME_ERROR = 5  # adjtimex(2): the kernel clock is not synchronised


class Clock(Protocol):
    """What the store needs to know about time."""

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware, in UTC."""

    def monotonic_ns(self) -> int:
        """CLOCK_MONOTONIC in nanoseconds (never jumps, restarts at boot)."""

    def boot_id(self) -> str:
        """The kernel's id of this boot."""

    def synchronized(self) -> bool:
        """Whether the wall clock is NTP-synchronised now."""


class SystemClock:
    """The real clocks of this machine.

    NTP state comes from systemd-timesyncd's flag file, else from the kernel
    (``adjtimex``, which chrony and ntpd also keep), else from ``timedatectl``.
    The answer is cached for *recheck* seconds so a press costs no system call.
    """

    def __init__(
        self,
        boot_id_path: Path = BOOT_ID_PATH,
        timesync_flag: Path = TIMESYNC_FLAG,
        recheck: float = 5.0,
    ):
        self._boot_id_path = boot_id_path
        self._timesync_flag = timesync_flag
        self._recheck_ns = int(recheck * 1e9)
        self._boot_id: str | None = None
        self._synced = False
        self._checked_ns: int | None = None
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic_ns(self) -> int:
        return time.monotonic_ns()

    def boot_id(self) -> str:
        if self._boot_id is None:
            try:
                self._boot_id = self._boot_id_path.read_text().strip()
            except OSError:
                # Not Linux: one id per process is the honest fallback.
                self._boot_id = str(uuid.uuid4())
        return self._boot_id

    def synchronized(self) -> bool:
        now = time.monotonic_ns()
        checked = self._checked_ns  # the answer is fresh: no lock on a press's path
        if checked is not None and now - checked < self._recheck_ns:
            return self._synced
        with self._lock:
            if self._checked_ns is None or now - self._checked_ns >= self._recheck_ns:
                self._synced = self._ask_system()
                self._checked_ns = now
            return self._synced

    def _ask_system(self) -> bool:
        if self._timesync_flag.exists():
            return True
        state = _adjtimex_state()
        if state is not None:
            return state != _TIME_ERROR
        return _timedatectl_synchronized()


@functools.cache
def _libc() -> ctypes.CDLL:
    """The C library, found once: ``find_library`` runs ``ldconfig``, about 1.4 ms, which
    a press paid every *recheck* seconds on a kiosk without systemd-timesyncd's flag."""
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _adjtimex_state() -> int | None:
    try:
        libc = _libc()
        buf = ctypes.create_string_buffer(512)  # struct timex, modes = 0: read only
        return int(libc.adjtimex(buf))
    except (OSError, AttributeError):
        return None


def _timedatectl_synchronized() -> bool:
    try:
        out = subprocess.run(
            ["timedatectl", "show", "--property=NTPSynchronized", "--value"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.stdout.strip() == "yes"


class ManualClock:
    """A clock that moves only when told: for tests, the sample generator and replays."""

    def __init__(
        self,
        start: datetime | None = None,
        *,
        boot_id: str = "00000000-0000-4000-8000-000000000000",
        synchronized: bool = True,
        monotonic_ns: int = 1_000_000_000,
    ):
        self.wall = start or datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        if self.wall.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start time")
        self.mono = monotonic_ns
        self.boot = boot_id
        self.synced = synchronized

    def advance(self, seconds: float) -> None:
        """Move both the wall clock and the monotonic clock forward."""
        self.wall += timedelta(seconds=seconds)
        self.mono += int(seconds * 1e9)

    def now(self) -> datetime:
        return self.wall.astimezone(UTC)

    def monotonic_ns(self) -> int:
        return self.mono

    def boot_id(self) -> str:
        return self.boot

    def synchronized(self) -> bool:
        return self.synced
