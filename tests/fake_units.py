"""A fake systemd for ``hymio update``'s tests: two ``Type=notify`` units with
``Restart=always`` run by a thread of the test, and a ``systemctl`` program (on ``PATH``)
that shows their state and restarts them, as ``hymio update`` uses the real one.

Each unit is a process started from its command (``…/current/bin/hymio kiosk …``, so a
restart runs whatever ``current`` names then); it is ``activating (start)`` until it says
``READY=1`` on its notify socket, then ``active (running)``; when it exits it is
``activating (auto-restart)`` and is started again after ``restart_sec``, counting
``NRestarts``. ``systemctl restart`` stops it (SIGTERM) and starts it again.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tests.notify_socket import FakeSystemd

SYSTEMCTL = """#!{python}
import json, pathlib, sys, uuid
folder = pathlib.Path({folder!r})
args = [a for a in sys.argv[1:] if not a.startswith("--")]
if args and args[0] == "show":
    units = json.loads((folder / "units.json").read_text())
    state = units.get(args[1])
    if state is None:
        print("LoadState=not-found")
    else:
        for key, value in {{"LoadState": "loaded", "UnitFileState": "enabled",
                           "Result": "success", **state}}.items():
            print(f"{{key}}={{value}}")
elif args and args[0] == "restart":
    (folder / "requests" / f"{{uuid.uuid4().hex}}.json").write_text(json.dumps(args[1:]))
"""


class Unit:
    """One unit: its command, its process, its notify socket and its state."""

    def __init__(self, name: str, command: list[str], folder: Path, env: dict[str, str]):
        self.name, self.command, self.env = name, command, env
        folder.mkdir(parents=True, exist_ok=True)
        # A short folder: a Unix socket's path has at most 107 bytes.
        self.socket_folder = Path(tempfile.mkdtemp(prefix="hymio-unit-"))
        self.systemd = FakeSystemd(self.socket_folder)
        self.log = (folder / "unit.log").open("a")
        self.process: subprocess.Popen | None = None
        self.restarts, self.started_us, self.again_at = 0, 0, None
        self.active, self.sub = "inactive", "dead"

    def start(self) -> None:
        self.systemd.messages(0)  # what an earlier process said is not this one's
        self.started_us = int(time.monotonic() * 1e6)
        self.active, self.sub, self.again_at = "activating", "start", None
        env = {**self.env, **self.systemd.env()}
        self.process = subprocess.Popen(
            self.command, env=env, stdout=self.log, stderr=self.log, stdin=subprocess.DEVNULL
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.active, self.sub = "inactive", "dead"

    def step(self, now: float, restart_sec: float) -> None:
        if self.process is not None and self.process.poll() is not None:
            self.process = None
            self.active, self.sub, self.again_at = "activating", "auto-restart", now + restart_sec
        elif self.process is not None and self.active == "activating":
            if "READY=1" in self.systemd.messages(0):
                self.active, self.sub = "active", "running"
        elif self.again_at is not None and now >= self.again_at:
            self.restarts += 1
            self.start()

    def state(self) -> dict:
        return {
            "ActiveState": self.active,
            "SubState": self.sub,
            "NRestarts": self.restarts,
            "ExecMainStartTimestampMonotonic": self.started_us,
        }


class FakeUnits:
    """The units *commands* (name → argv), run until :meth:`close`; ``bin`` holds the
    ``systemctl`` to put first on ``PATH``."""

    def __init__(self, folder: Path, commands: dict[str, list[str]], env: dict[str, str],
                 restart_sec: float = 1.0):  # fmt: skip
        self.folder, self.restart_sec = folder, restart_sec
        (folder / "requests").mkdir(parents=True)
        self.bin = folder / "bin"
        self.bin.mkdir()
        systemctl = self.bin / "systemctl"
        systemctl.write_text(SYSTEMCTL.format(python=sys.executable, folder=str(folder)))
        systemctl.chmod(0o755)
        self.units = {n: Unit(n, c, folder / n, env) for n, c in commands.items()}
        self._write()
        self._open = True
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while self._open:
            for request in sorted((self.folder / "requests").glob("*.json")):
                names = json.loads(request.read_text())
                request.unlink()
                for name in names:
                    if name in self.units:
                        self.units[name].stop()
                        self.units[name].start()
            now = time.monotonic()
            for unit in self.units.values():
                unit.step(now, self.restart_sec)
            self._write()
            time.sleep(0.05)

    def _write(self) -> None:
        new = self.folder / f"units.{uuid.uuid4().hex}.json"
        new.write_text(json.dumps({n: u.state() for n, u in self.units.items()}))
        os.replace(new, self.folder / "units.json")

    def env_path(self) -> str:
        return f"{self.bin}:{os.environ.get('PATH', '/usr/bin:/bin')}"

    def close(self) -> None:
        self._open = False
        self._thread.join(5)
        for unit in self.units.values():
            unit.stop()
            unit.systemd.close()
            unit.log.close()
            shutil.rmtree(unit.socket_folder, ignore_errors=True)
