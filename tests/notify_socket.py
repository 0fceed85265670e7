"""A fake systemd: the Unix datagram socket that ``$NOTIFY_SOCKET`` names."""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path


class FakeSystemd:
    """Collects what a service sends to ``$NOTIFY_SOCKET``."""

    def __init__(self, folder: Path):
        self.path = folder / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.path))
        self.sock.settimeout(0.05)

    def env(self, watchdog: float | None = None) -> dict[str, str]:
        """The variables systemd sets for a Type=notify service (with WatchdogSec=)."""
        env = {"NOTIFY_SOCKET": str(self.path)}
        if watchdog:
            env["WATCHDOG_USEC"] = str(int(watchdog * 1e6))
        return env

    def messages(self, seconds: float) -> list[str]:
        """Every message received in the next *seconds*."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                got.append(self.sock.recv(4096).decode())
        return got

    def wait_for(self, message: str, seconds: float) -> list[str]:
        """Messages until *message* arrives (AssertionError if it does not in time)."""
        got: list[str] = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                got.append(self.sock.recv(4096).decode())
            except TimeoutError:
                continue
            if got[-1] == message:
                return got
        raise AssertionError(f"no {message} in {seconds} s; got {got}")

    def close(self) -> None:
        self.sock.close()
