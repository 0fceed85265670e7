"""systemd's notify protocol: ``READY=1``, ``WATCHDOG=1`` and ``STOPPING=1``.

A service with ``Type=notify`` tells systemd it is ready by sending a datagram to the
socket named in ``$NOTIFY_SOCKET``; with ``WatchdogSec=`` systemd also sets
``$WATCHDOG_USEC`` and restarts the service when no ``WATCHDOG=1`` arrives in time. The
protocol is one ``sendto`` on a Unix datagram socket, so it is written here rather than
pulling in libsystemd. Outside systemd (no ``$NOTIFY_SOCKET``) every call does nothing.

Who pings matters more than how: the kiosk pings from Kivy's main loop and sync from its
scheduler's worker threads, so a hung UI or a stuck scheduler stops the pings and
systemd restarts the service.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)

READY, WATCHDOG, STOPPING = "READY=1", "WATCHDOG=1", "STOPPING=1"


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send *message* to systemd; False when not run by systemd or the socket is gone."""
    path = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if not path:
        return False
    address = "\0" + path[1:] if path.startswith("@") else path  # '@': abstract namespace
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
        try:
            sock.sendto(message.encode(), address)
        except OSError as exc:
            log.warning("could not notify systemd (%s): %s", path, exc)
            return False
    return True


def watchdog_period(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between ``WATCHDOG=1`` pings (half systemd's limit), or None when off."""
    env = os.environ if env is None else env
    usec, pid = env.get("WATCHDOG_USEC", ""), env.get("WATCHDOG_PID", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    if pid and pid != str(os.getpid()):  # meant for another process (our parent)
        return None
    return int(usec) / 2e6
