"""The kiosk's systemd units, restarted onto a new release and watched until they come up.

Both units are ``Type=notify``: systemd calls one ``active (running)`` only after the
program said ``READY=1`` (the kiosk once its window is up). A unit is *up* when it is
active and running in a process started after the restart, and *ready* when it has been
up for ``settle`` seconds without a restart. A unit that restarts ``CRASHES`` times, or
fails, has not come up, whatever time is left.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

UNITS = ("hymio-kiosk.service", "hymio-sync.service")
PROPERTIES = "ActiveState,SubState,NRestarts,ExecMainStartTimestampMonotonic"
CRASHES = 3
POLL = 0.5


class Units:
    """``systemctl`` for *names*; *clock* and *sleep* are injected for tests."""

    def __init__(
        self,
        names: tuple[str, ...] = UNITS,
        systemctl: str = "systemctl",
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.names, self.systemctl, self.clock, self.sleep = names, systemctl, clock, sleep

    def show(self, name: str) -> dict[str, str]:
        """The unit's state properties (empty when systemctl cannot tell)."""
        try:
            done = subprocess.run(  # noqa: S603 -- fixed arguments
                [self.systemctl, "show", name, f"--property={PROPERTIES}"],
                capture_output=True, text=True, timeout=30,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return {}
        return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)

    def restart(self) -> dict[str, dict[str, str]]:
        """Restart every unit (not waiting); their states from just before."""
        before = {name: self.show(name) for name in self.names}
        subprocess.run(  # noqa: S603 -- fixed arguments
            [self.systemctl, "restart", "--no-block", *self.names],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        return before

    def wait_ready(self, before: dict[str, dict[str, str]], within: float, settle: float) -> str:
        """Wait until every unit is ready; "" when they are, else why not."""
        deadline = self.clock() + within
        up_since: dict[str, float | None] = dict.fromkeys(self.names)
        while True:
            now = self.clock()
            waiting = []
            for name in self.names:
                state, old = self.show(name), before.get(name, {})
                restarts = _int(state.get("NRestarts")) - _int(old.get("NRestarts"))
                restarts = restarts if restarts >= 0 else _int(state.get("NRestarts"))
                if state.get("ActiveState") == "failed" or restarts >= CRASHES:
                    return f"{name} did not come up: {_said(state)}, restarted {restarts} times"
                fresh = state.get("ExecMainStartTimestampMonotonic") != old.get(
                    "ExecMainStartTimestampMonotonic"
                )
                up = fresh and (state.get("ActiveState"), state.get("SubState")) == (
                    "active",
                    "running",
                )
                if not up:
                    up_since[name] = None
                elif up_since[name] is None:
                    up_since[name] = now
                if up_since[name] is None or now - up_since[name] < settle:
                    waiting.append(f"{name} {_said(state)}")
            if not waiting:
                return ""
            if now >= deadline:
                return f"not ready within {within:g} s: {'; '.join(waiting)}"
            self.sleep(POLL)


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0


def _said(state: dict[str, str]) -> str:
    return f"{state.get('ActiveState', '?')} ({state.get('SubState', '?')})"
