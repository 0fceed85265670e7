"""``hymio demo``'s site: a local HQ, a demo store, device and login, kiosk settings,
and the HQ and sync processes, all in one folder.

The folder holds ``hq.db`` (HQ's SQLite database), ``demo.json`` (the device token and a
read token, mode 0600), ``kiosk.toml`` (written anew each run: HQ's port may change),
``ratings.db`` (the kiosk's store) and the logs of HQ and sync. A second run on the same
folder carries on with the same store and device.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from kiosk.errors import HymioError
from kiosk.pin import hash_pin

STORE, STORE_NAME, DEVICE = "demo-store", "Demo store", "demo-kiosk"
TIMEZONE = "Europe/Helsinki"
USER, PASSWORD = "demo", "hymio-demo"  # the dashboard's demo login, printed by the demo
STAFF_PIN = "1234"
START_TIMEOUT = 30.0  # seconds for HQ to answer /healthz
# Fast: the headless run (short screens, so 300 shoppers take minutes, not an hour).
BEHAVIOUR = {
    True: {"thank_you": 0.5, "repeat_window": 0.7, "idle_timeout": 5},
    False: {"thank_you": 2.0, "repeat_window": 3.0, "idle_timeout": 20},
}


def user_folder() -> Path:
    """Where the windowed demo keeps its data between runs (XDG's data folder)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "hymio" / "demo"


def hq_database(folder: Path) -> str:
    """The URL of the demo HQ's SQLite file in *folder*."""
    return f"sqlite:///{folder / 'hq.db'}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Site:
    """One demo: its folder, HQ's port, the tokens, and the processes it started."""

    folder: Path
    port: int
    token: str
    read_token: str
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def database(self) -> str:
        return hq_database(self.folder)

    @property
    def config(self) -> Path:
        return self.folder / "kiosk.toml"

    def write_settings(self, fast: bool) -> Path:
        """The kiosk's settings for this run."""
        behaviour = "\n".join(f"{k} = {v}" for k, v in BEHAVIOUR[fast].items())
        self.config.write_text(
            f"""# Written by `hymio demo` on each run; edits are lost.
[device]
id = "{DEVICE}"
store_id = "{STORE}"
timezone = "{TIMEZONE}"

[hq]
url = "{self.url}"
token = "{self.token}"
interval = {5 if fast else 10}
heartbeat_interval = 30

[storage]
path = "ratings.db"

[survey.followup]
timeout = {2 if fast else 8}

[buttons]
status_led = 18

[behaviour]
{behaviour}

[staff]
pin_hash = "{hash_pin(STAFF_PIN)}"
""",
            encoding="utf-8",
        )
        return self.config

    # --- the processes --------------------------------------------------------------------

    def start(self, name: str, *args: str) -> subprocess.Popen:
        """``hymio ARGS`` in the background, its output in ``NAME.log``."""
        log = (self.folder / f"{name}.log").open("ab")
        process = subprocess.Popen(  # noqa: S603 -- this python, our own command
            [sys.executable, "-m", "hymio", *args], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        self.processes[name] = process
        return process

    def start_hq(self) -> None:
        hq = self.start("hq", "hq", "serve", "--database", self.database, "--port", str(self.port))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if hq.poll() is not None:
                raise HymioError(f"HQ stopped at start; see {self.folder / 'hq.log'}")
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{self.url}/healthz", timeout=1).ok:
                    return
            time.sleep(0.2)
        raise HymioError(f"HQ did not answer in {START_TIMEOUT:g} s; see {self.folder}/hq.log")

    def start_sync(self) -> None:
        self.start("sync", "sync", "--config", str(self.config))

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM to every process, then SIGKILL to any still there after *timeout*."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()

    @contextlib.contextmanager
    def running(self) -> Iterator[Site]:
        """HQ and sync, stopped again however the block ends."""
        try:
            self.start_hq()
            self.start_sync()
            yield self
        finally:
            self.stop()

    # --- the report -----------------------------------------------------------------------

    def store(self):
        """The kiosk's store, read-only."""
        from kiosk.settings.load import load_settings
        from kiosk.store.store import Store

        return Store.from_settings(load_settings(self.config), readonly=True)

    def wait_for_sync(self, timeout: float) -> int:
        """Wait until the kiosk has nothing left to send; the number still pending."""
        with self.store() as store:
            deadline = time.monotonic() + timeout
            sync = self.processes.get("sync")
            while (pending := store.pending_count()) and time.monotonic() < deadline:
                if sync is not None and sync.poll() is not None:
                    break  # sync stopped (its log says why): nothing more will come
                time.sleep(0.5)
            return pending

    def report(self, presses: int, pending: int) -> dict:
        """What the kiosk stored and what HQ received (``--json``'s object)."""
        with self.store() as store:
            flags = dict(
                store.read("SELECT flag, count(*) FROM ratings WHERE flag IS NOT NULL GROUP BY 1")
            )
            stored = store.count()
            reasons = store.read("SELECT count(*) FROM ratings WHERE reason IS NOT NULL")[0][0]
            sources = dict(store.read("SELECT source, count(*) FROM ratings GROUP BY 1"))
        answer = requests.get(
            f"{self.url}/api/v1/export.csv",
            params={"store": STORE},
            headers={"Authorization": f"Bearer {self.read_token}"},
            timeout=30,
        )
        answer.raise_for_status()
        rows = list(csv.DictReader(io.StringIO(answer.text)))
        received = sum(row["device_id"] == DEVICE for row in rows)
        return {
            "presses": presses,
            "stored": stored,
            "counted": stored - sum(flags.values()),
            "received": received,
            "flagged": flags,
            "reasons": reasons,
            "sources": sources,
            "pending": pending,
            "ok": stored == received and pending == 0,
            "folder": str(self.folder),
            "dashboard": self.url,
        }


def prepare(folder: Path, *, fast: bool, history: int = 0) -> Site:
    """The demo's site in *folder*: registered at HQ once, settings written each time.

    A new folder's kiosk gets *history* days of earlier shoppers (kiosk.sample), so the
    dashboard has days and hours to show; sync uploads them like any other ratings.
    """
    folder = folder.resolve()
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / "demo.json"
    if state.exists():
        tokens = json.loads(state.read_text(encoding="utf-8"))
    else:
        tokens = register(hq_database(folder))
        with os.fdopen(os.open(state, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as out:
            json.dump(tokens, out)
    site = Site(folder, free_port(), tokens["token"], tokens["read_token"])
    site.write_settings(fast)
    if history and not (folder / "ratings.db").exists():
        from kiosk.sample import fill
        from kiosk.settings.load import load_settings

        fill(load_settings(site.config), days=history, now=datetime.now(UTC) - timedelta(hours=1))
    return site


def register(database: str) -> dict[str, str]:
    """The demo store, device, dashboard login and read token in a new HQ database."""
    from hq.people.admin import add_api_token, add_device, add_store, add_user
    from hq.tables.database import open_database

    now = datetime.now(UTC)
    engine, sessions = open_database(database)
    try:
        with sessions() as session:
            add_store(session, STORE, STORE_NAME, TIMEZONE, now)
            token = add_device(session, STORE, DEVICE, now)
            add_user(session, USER, PASSWORD, now)
            read_token = add_api_token(session, "demo-report", now)
    finally:
        engine.dispose()
    return {"token": token, "read_token": read_token}
