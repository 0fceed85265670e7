"""A fake systemd: the Unix datagram socket that ``$NOTIFY_SOCKET`` names.

Like systemd it reads all the time (on a thread): a datagram socket's queue holds only
``net.unix.max_dgram_qlen`` messages (10 here), and a sender whose message does not fit
blocks, which would hang the kiosk's main loop in a test that reads late.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections import deque
from pathlib import Path


class FakeSystemd:
    """Collects what a service sends to ``$NOTIFY_SOCKET``."""

    def __init__(self, folder: Path):
        self.path = folder / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.settimeout(0.05)
        self._got: deque[str] = deque()
        self._open = True
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while self._open:
            with contextlib.suppress(TimeoutError, OSError):
                self._got.append(self.sock.recv(4096).decode())

    def env(self, watchdog: float | None = None) -> dict[str, str]:
        """The variables systemd sets for a Type=notify service (with WatchdogSec=)."""
        env = {"NOTIFY_SOCKET": str(self.path)}
        if watchdog:
            env["WATCHDOG_USEC"] = str(int(watchdog * 1e6))
        return env

    def _take(self) -> list[str]:
        got = []
        while self._got:
            got.append(self._got.popleft())
        return got

    def messages(self, seconds: float) -> list[str]:
        """Every message received so far and in the next *seconds*."""
        time.sleep(seconds)
        return self._take()

    def wait_for(self, message: str, seconds: float) -> list[str]:
        """Messages until *message* arrives (AssertionError if it does not in time)."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            got += self._take()
            if message in got:
                cut = got.index(message) + 1
                self._got.extendleft(reversed(got[cut:]))  # later ones stay for the next read
                return got[:cut]
            time.sleep(0.02)
        raise AssertionError(f"no {message} in {seconds} s; got {got}")

    def close(self) -> None:
        self._open = False
        self._reader.join(1)
        self.sock.close()
