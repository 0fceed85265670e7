"""An update from HQ, as an admin rolls one out (docs/run-a-fleet/updates.md): a release
key, a signed release built from a wheel, added to the host's HQ and rolled out; the
guest's hymio-update.service installs it. Then a broken release (its kiosk fails at
start), which the guest rolls back by itself.

These run after field/test_field.py (pytest takes the files in order), on the same guest:
they change the release the units run, so they come last.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from field.image import FIELD, run
from field.rig import Rig
from field.test_field import DEVICE, drawn, eventually, kiosk_ready, sql

RELEASES = FIELD / "releases"  # the release key and the --out folder, kept together
CONFIG = "/etc/hymio/kiosk.toml"
# The timer's unit updates only in the store's closed hours (the rig's store never
# closes: 03-05 local); this runtime drop-in makes its run an admin's `--now`.
NOW = "/run/systemd/system/hymio-update.service.d/now.conf"
BROKEN = 'raise RuntimeError("field rig: this release\'s kiosk fails at its start")\n'


def hymio(*args: str, env: dict[str, str] | None = None) -> str:
    return run(
        [sys.executable, "-m", "hymio", *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})},
    ).stdout  # fmt: skip


@pytest.fixture(scope="module")
def key(rig: Rig) -> Path:
    return release_key(rig)


def release_key(rig: Rig) -> Path:
    """The release key (made where releases are built: the host), its public half in the
    guest's settings as ``[hq] release_key``, as the docs say."""
    shutil.rmtree(RELEASES, ignore_errors=True)
    RELEASES.mkdir(parents=True)
    private = RELEASES / "release.key"
    public = hymio("release", "keygen", "--key", str(private)).split()[-1]
    assert public.startswith("ed25519:"), public
    rig.guest.ssh(
        f"sed -i -e '/^release_key = /d' -e 's|^\\[hq\\]$|[hq]\\nrelease_key = \"{public}\"|'"
        f" {CONFIG}"
        f" && grep -q '^release_key = \"{public}\"' {CONFIG}"
    )
    return private


def wheel(version: str, broken: bool = False) -> Path:
    """This checkout's wheel with *version* (setuptools-scm's pretend version); *broken*:
    its kiosk raises at its start (hymio/run_kiosk.py's run), and nothing else differs, so
    its doctor passes."""
    source = FIELD / "release-source" / version
    shutil.rmtree(source.parent, ignore_errors=True)
    shutil.copytree(FIELD / "checkout" / "hymio", source)
    if broken:
        module = source / "hymio/run_kiosk.py"
        text = module.read_text()
        start = text.index('    """', text.index("\ndef run(")) + 7
        body = text.index('"""', start) + 4  # after run()'s docstring
        module.write_text(text[:body] + "    " + BROKEN + text[body:])
    out = FIELD / "release-dist"
    shutil.rmtree(out, ignore_errors=True)
    run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(source)],
        stdout=subprocess.DEVNULL,
        env={**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": version},
    )
    return next(out.glob(f"hymio-{version}-*.whl"))


def publish(rig: Rig, key: Path, built: Path, version: str) -> None:
    """``hymio release build`` (its dependencies from the rig's wheels, for the guest's
    Python), then at HQ ``hymio hq add-release`` and ``hymio hq rollout --all``."""
    out = hymio(
        "release", "build", "--wheel", str(built), "--key", str(key), "--out", str(RELEASES),
        env={"HYMIO_PIP_ARGS": f"--no-index --find-links {FIELD / 'wheels'}"},
    )  # fmt: skip
    bundle = RELEASES / f"hymio-release-{version}.tar"
    assert bundle.exists(), out
    added = rig.hq.hymio(["add-release", "--file", str(bundle)])
    assert f"release {version}:" in added, added
    rolled = rig.hq.hymio(["rollout", "--release", version, "--all"])
    assert f"should now run {version}" in rolled, rolled
    assert "refuse" not in rolled, rolled


def update(rig: Rig) -> subprocess.CompletedProcess:
    """hymio-update.service, started now rather than by its timer; its journal."""
    guest = rig.guest
    guest.ssh(
        f"mkdir -p $(dirname {NOW}) && printf '[Service]\\nExecStart=\\nExecStart="
        f"/opt/hymio/current/bin/hymio update --config {CONFIG} --now\\n' > {NOW}"
        " && systemctl daemon-reload"
    )
    since = guest.ssh("date +%s").stdout.strip()
    started = guest.ssh("systemctl start hymio-update.service", check=False, timeout=2400)
    journal = guest.ssh(f"journalctl -u hymio-update --since @{since} --no-pager").stdout
    started.stdout = journal
    return started


def at_hq(rig: Rig) -> dict:
    """What HQ's fleet page shows of the kiosk, from its heartbeat: the release it runs
    (``release``, and the software ``version``) and its last update (``last_update``)."""
    with sqlite3.connect(rig.hq.folder / "hq.db") as db:
        row = db.execute(
            "SELECT version, last_status FROM devices WHERE id = ?", (DEVICE,)
        ).fetchone()
    assert row is not None, f"HQ has no device {DEVICE}"
    return {**json.loads(row[1] or "{}"), "version": row[0]}


def hq_sees(rig: Rig, runs: str, outcome: str, of: str) -> dict | None:
    status = at_hq(rig)
    last = status.get("last_update") or {}
    seen = (status.get("release"), status["version"], last.get("outcome"), last.get("version"))
    return status if seen == (runs, runs, outcome, of) else None


def running(rig: Rig) -> str:
    return rig.guest.ssh("/opt/hymio/current/bin/hymio --version").stdout.split()[-1]


def main_loop_of_the_new_kiosk(rig: Rig, before: str) -> None:
    """A kiosk process other than *before* is active and has reached Kivy's main loop,
    and the screen is drawn."""
    guest = rig.guest

    def new_pid() -> str:
        pid = guest.ssh("systemctl show -p MainPID --value hymio-kiosk").stdout.strip()
        return pid if kiosk_ready(rig) and pid not in ("0", before) else ""

    pid = eventually(new_pid, 300, "a new kiosk process")
    eventually(
        lambda: (
            "Start application main loop"
            in guest.ssh(f"journalctl -b _PID={pid} --no-pager", check=False).stdout
        ),
        300,
        "the new kiosk's main loop",
    )
    eventually(
        lambda: drawn(rig, "field-update.png"),
        180,
        "a drawn screen",
    )


def kiosk_pid(rig: Rig) -> str:
    return rig.guest.ssh("systemctl show -p MainPID --value hymio-kiosk").stdout.strip()


def test_a_release_from_hq_is_installed_and_reported(rig: Rig, key: Path):
    eventually(lambda: kiosk_ready(rig), 300, "the kiosk running")
    old, pid = running(rig), kiosk_pid(rig)
    version = "99.0.0"  # newer than this checkout's 0.x.devN
    mark = time.monotonic()
    publish(rig, key, wheel(version), version)
    rig.times["release build and add at HQ"] = time.monotonic() - mark
    mark = time.monotonic()
    done = update(rig)
    rig.times["update to a new release"] = time.monotonic() - mark
    assert done.returncode == 0, done.stdout[-4000:]
    assert f"updated to release {version} (from {old})" in done.stdout, done.stdout[-4000:]
    assert running(rig) == version
    link = rig.guest.ssh("readlink /opt/hymio/current").stdout.strip()
    assert link.endswith(f"releases/{version}"), link
    main_loop_of_the_new_kiosk(rig, pid)
    # sync's heartbeat carries the outcome (sync notices update.json within 5 s)
    eventually(lambda: hq_sees(rig, version, "updated", version), 180, "HQ sees the update")


def test_a_broken_release_rolls_back_by_itself(rig: Rig, key: Path):
    good = running(rig)
    before = int(sql(rig, "SELECT count(*) FROM ratings"))
    version = "99.0.1"
    publish(rig, key, wheel(version, broken=True), version)
    pid = kiosk_pid(rig)
    mark = time.monotonic()
    done = update(rig)
    rig.times["a broken release, rolled back"] = time.monotonic() - mark
    assert done.returncode != 0, done.stdout[-4000:]  # the update failed, and said so
    assert f"release {version} did not come up and was rolled back" in done.stdout, done.stdout[
        -4000:
    ]
    # The broken kiosk did run (and fail) before the rollback
    fails = rig.guest.ssh("journalctl -t hymio-kiosk -b --no-pager").stdout
    assert "this release's kiosk fails at its start" in fails, fails[-3000:]
    assert running(rig) == good
    main_loop_of_the_new_kiosk(rig, pid)
    assert int(sql(rig, "SELECT count(*) FROM ratings")) == before
    eventually(lambda: hq_sees(rig, good, "rolled_back", version), 180, "HQ sees the rollback")
