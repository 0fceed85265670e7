"""Updates end to end (issue 17), from the built package: three releases are built from a
clean clone of this checkout with different versions (the third one's kiosk exits at
start), signed, and added to a real ``hymio hq serve``. A kiosk (its units run by
:mod:`tests.fake_units`, which ``hymio update`` drives through its ``systemctl``) is
installed with the first, updates itself to the second and reports it, takes the broken
third, sees it not come up and rolls back by itself, refuses to go back to the first when
HQ asks, and goes back once the release key says it may; simulated shoppers press all along,
and every press is in the store, without a gap in ``seq``, and reaches HQ."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.fake_units import FakeUnits
from tests.hq.served import hymio, served
from tests.test_installed import clean_env

pytestmark = pytest.mark.slow
VERSIONS = ("0.9.1", "0.9.2", "0.9.3")
BROKEN = "0.9.3"
BREAK = 'raise SystemExit("hymio 0.9.3 is broken on purpose (a test)")\n'


def _wheel(clone: Path, version: str, out: Path) -> subprocess.Popen:
    env = clean_env(SETUPTOOLS_SCM_PRETEND_VERSION=version)
    return subprocess.Popen(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(clone)],
        cwd=out, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


@pytest.fixture(scope="session")
def releases(clean_clone, tmp_path_factory) -> dict:
    """The release key and the three signed release bundles."""
    folder = tmp_path_factory.mktemp("releases")
    clones = {}
    for v in VERSIONS:  # a clone each: setuptools builds in the source's build/ folder
        clones[v] = folder / f"clone-{v}"
        subprocess.run(["git", "clone", "--quiet", str(clean_clone), str(clones[v])], check=True)
    cli = clones[BROKEN] / "hymio/cli/kiosk.py"
    start = "def run(args: argparse.Namespace) -> int:\n"
    cli.write_text(cli.read_text().replace(start, start + "    " + BREAK, 1))
    assert BREAK in cli.read_text()
    wheels = folder / "wheels"
    wheels.mkdir()
    builds = [_wheel(clones[v], v, wheels) for v in VERSIONS]
    for b in builds:
        out = b.communicate(timeout=600)[0]
        assert b.returncode == 0, out[-3000:]
    key = folder / "release.key"
    made = hymio("release", "keygen", "--key", str(key))
    assert made.returncode == 0, made.stderr
    public = made.stdout.split()[-1]
    bundles = {}
    for v in VERSIONS:
        [wheel] = wheels.glob(f"hymio-{v}-*.whl")
        done = subprocess.run(
            [sys.executable, "-m", "hymio", "release", "build", "--wheel", str(wheel), "--key",
             str(key), "--out", str(folder), "--extras", "ui"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        bundles[v] = folder / f"hymio-release-{v}.tar"
        assert bundles[v].is_file()
    return {"key": key, "public": public, "bundles": bundles}


def _settings(path: Path, data: Path, url: str, token: str, key: str) -> Path:
    path.write_text(
        f'[device]\nid = "pi-1"\nstore_id = "s1"\n\n'
        f'[hq]\nurl = "{url}"\ntoken = "{token}"\nrelease_key = "{key}"\n'
        f"heartbeat_interval = 30\ninterval = 5\n\n"
        f'[storage]\npath = "{data / "ratings.db"}"\n\n'
        '[survey.followup]\nask = "never"\n'  # every press final at once, for the last sync
    )
    return path


class Site:
    """HQ with the three releases, a kiosk's settings, its root and its fake units."""

    def __init__(self, tmp: Path, base: str, database: str, releases: dict):
        self.base, self.database, self.tmp = base, database, tmp
        self.root, self.data = tmp / "opt/hymio", tmp / "var/lib/hymio"
        self.data.mkdir(parents=True)
        made = hymio("hq", "add-device", "--database", database, "--store", "s1", "--id", "pi-1")
        assert made.returncode == 0, made.stderr
        self.token = made.stdout.split()[-1]
        self.config = _settings(tmp / "kiosk.toml", self.data, base, self.token, releases["public"])
        hymio_path = str(self.root / "current/bin/hymio")
        env = clean_env(SDL_VIDEODRIVER="offscreen", HOME=str(tmp))
        self.units = FakeUnits(tmp / "units", {
            "hymio-kiosk.service": [hymio_path, "kiosk", "--config", str(self.config),
                                    "--simulate", "--shoppers", "100000"],
            "hymio-sync.service": [hymio_path, "sync", "--config", str(self.config)],
        }, env)  # fmt: skip

    def rollout(self, version: str) -> None:
        done = hymio("hq", "rollout", "--database", self.database, "--release", version, "--all")
        assert done.returncode == 0, done.stderr

    def update(self, program: list[str]) -> subprocess.CompletedProcess:
        """``hymio update --now`` run by *program*, as the timer runs it."""
        env = clean_env(PATH=self.units.env_path(), HOME=str(self.tmp))
        return subprocess.run(
            [*program, "update", "--config", str(self.config), "--root", str(self.root), "--now",
             "--ready-within", "120", "--settle", "3"],
            capture_output=True, text=True, timeout=900, env=env,
        )  # fmt: skip

    def presses(self) -> list[int]:
        conn = sqlite3.connect(self.data / "ratings.db", timeout=10)
        try:
            return [s for (s,) in conn.execute("SELECT seq FROM ratings ORDER BY seq")]
        finally:
            conn.close()

    def more_presses_than(self, n: int, seconds: float = 60) -> int:
        deadline = time.monotonic() + seconds
        while (now := len(self.presses())) <= n:
            assert time.monotonic() < deadline, f"no new press in {seconds} s"
            time.sleep(0.5)
        return now

    def reported(self, seconds: float = 60, **wanted) -> dict:
        """The device's row at HQ once its status says *wanted* (version, outcome)."""
        from sqlalchemy import create_engine, text

        engine = create_engine(self.database)
        deadline = time.monotonic() + seconds
        try:
            while True:
                with engine.connect() as c:
                    version, status = c.execute(
                        text("SELECT version, last_status FROM devices WHERE id = 'pi-1'")
                    ).one()
                status = json.loads(status) if isinstance(status, str) else (status or {})
                seen = {"version": version, "outcome": (status.get("last_update") or {}).get(
                    "outcome"), "wanted": status.get("wanted_release")}  # fmt: skip
                if all(seen[k] == v for k, v in wanted.items()):
                    return status
                assert time.monotonic() < deadline, f"HQ has {seen}, not {wanted}"
                time.sleep(0.5)
        finally:
            engine.dispose()


@pytest.mark.timeout(900)  # with the session's builds: three wheels, three releases
def test_a_kiosk_updates_reports_it_and_rolls_back_a_broken_release_losing_no_press(
    releases, tmp_path
):
    database = f"sqlite:///{tmp_path / 'hq.db'}"
    assert hymio("hq", "add-store", "--database", database, "--id", "s1", "--name", "Kamppi",
                 "--timezone", "Europe/Helsinki").returncode == 0  # fmt: skip
    for v in VERSIONS:
        added = hymio("hq", "add-release", "--database", database, "--file",
                      str(releases["bundles"][v]))  # fmt: skip
        assert added.returncode == 0, added.stderr
    with served(database, tmp_path / "hq.log") as base:
        site = Site(tmp_path, base, database, releases)
        try:
            # First install: 0.9.1, by this checkout's hymio (the kiosk has none yet).
            site.rollout("0.9.1")
            done = site.update([sys.executable, "-m", "hymio"])
            assert done.returncode == 0, done.stdout + done.stderr
            assert "updated to release 0.9.1" in done.stdout
            first = site.more_presses_than(0)
            site.reported(version="0.9.1", outcome="updated", wanted="0.9.1")

            # 0.9.1 updates itself to 0.9.2, and says so.
            site.rollout("0.9.2")
            installed = site.root / "current/bin/hymio"
            done = site.update([str(installed)])
            assert done.returncode == 0, done.stdout + done.stderr
            assert "updated to release 0.9.2 (from 0.9.1)" in done.stdout
            assert os.readlink(site.root / "current") == "releases/0.9.2"
            assert os.readlink(site.root / "previous") == "releases/0.9.1"
            second = site.more_presses_than(first)
            site.reported(version="0.9.2", outcome="updated", wanted="0.9.2")

            # 0.9.3's kiosk exits at start: 0.9.2 takes it, sees it fail, goes back.
            site.rollout(BROKEN)
            done = site.update([str(site.root / "current/bin/hymio")])
            assert done.returncode == 1, done.stdout + done.stderr
            assert "release 0.9.3 did not come up and was rolled back" in done.stderr
            assert os.readlink(site.root / "current") == "releases/0.9.2"
            status = site.reported(version="0.9.2", outcome="rolled_back", wanted=BROKEN)
            assert "hymio-kiosk.service" in status["last_update"]["detail"]
            assert site.units.units["hymio-kiosk.service"].restarts >= 3
            third = site.more_presses_than(second)

            # HQ asks for the older 0.9.1: signed, but a downgrade; refused, naming both.
            site.rollout("0.9.1")
            done = site.update([str(site.root / "current/bin/hymio")])
            assert done.returncode == 1, done.stdout + done.stderr
            said = "release 0.9.1 is older than the running release 0.9.2"
            assert said in done.stderr and os.readlink(site.root / "current") == "releases/0.9.2"
            status = site.reported(version="0.9.2", outcome="refused", wanted="0.9.1")
            assert said in status["last_update"]["detail"]

            # The release key states the fleet's rollback to 0.9.1: now the kiosk takes it.
            stated = hymio("release", "metadata", "--key", str(releases["key"]), "--out",
                           str(releases["key"].parent), "--rollback-to", "0.9.1")  # fmt: skip
            assert stated.returncode == 0, stated.stderr
            bundle = stated.stdout.split()[2].rstrip(";")
            added = hymio("hq", "add-release", "--database", database, "--file", bundle)
            assert added.returncode == 0 and "release metadata version" in added.stdout
            done = site.update([str(site.root / "current/bin/hymio")])
            assert done.returncode == 0, done.stdout + done.stderr
            assert "updated to release 0.9.1 (from 0.9.2)" in done.stdout
            site.reported(version="0.9.1", outcome="updated", wanted="0.9.1")
            site.more_presses_than(third)
        finally:
            site.units.close()
        # Every press the kiosk stored, across both switches and the rollback, is there
        # without a gap and reaches HQ.
        seqs = site.presses()
        assert seqs == list(range(1, len(seqs) + 1))
        sync = subprocess.run(
            [str(site.root / "current/bin/hymio"), "sync", "--config", str(site.config), "--once",
             "--json"], capture_output=True, text=True, timeout=300, env=clean_env(),
        )  # fmt: skip
        assert sync.returncode == 0, sync.stdout + sync.stderr
        reader = hymio("hq", "add-token", "--database", database, "--name", "check").stdout.split()[
            -1
        ]
        gaps = requests.get(
            f"{base}/api/v1/devices/pi-1/gaps",
            headers={"Authorization": f"Bearer {reader}"},
            timeout=30,
        ).json()
        # (the device's last heartbeat, sent while it ran, may still count some as pending)
        assert gaps["received"] == len(seqs), gaps
        assert gaps["missing"] == gaps["not_received"] == gaps["held"] == 0, gaps
