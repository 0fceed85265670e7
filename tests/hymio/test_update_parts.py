"""The parts of ``hymio update`` without a network: the A/B folders and their atomic
links, the wait for the units' READY (a release that never gets there, one that keeps
crashing, one that comes up), the manifest's signature, and the heartbeat's report."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hymio.update.slots import Slots
from hymio.update.units import Units
from kiosk.releases.manifest import (
    Manifest,
    ReleaseError,
    ReleaseFile,
    new_key,
    parse_manifest,
    sign,
    verify,
)
from kiosk.releases.state import UpdateState, read_state, write_state


def _release(slots: Slots, version: str) -> None:
    slots.folder(version).mkdir(parents=True)
    slots.mark(version, "0" * 64)


def test_current_switches_atomically_and_rolls_back_to_previous(tmp_path):
    slots = Slots(tmp_path / "opt")
    for v in ("0.9.1", "0.9.2", "0.9.3"):
        _release(slots, v)
    slots.switch_to("0.9.1")
    assert slots.version() == "0.9.1" and slots.target("previous") is None
    slots.switch_to("0.9.2")
    assert (slots.version(), slots.version("previous")) == ("0.9.2", "0.9.1")
    assert os.readlink(slots.root / "current") == "releases/0.9.2"  # relative: the root may move
    seen, stop = set(), threading.Event()

    def look():  # a unit starting at any instant finds a whole release behind current
        while not stop.is_set():
            seen.add(slots.version())

    looker = threading.Thread(target=look)
    looker.start()
    for _ in range(200):
        slots.point("current", slots.folder("0.9.3"))
        slots.point("current", slots.folder("0.9.2"))
    stop.set()
    looker.join()
    assert seen <= {"0.9.2", "0.9.3"}
    assert slots.roll_back() == "0.9.1" and slots.version() == "0.9.1"
    slots.switch_to("0.9.2")
    (slots.downloads / "0.9.2").mkdir(parents=True)
    slots.prune()  # keeps current (0.9.2) and previous (0.9.1)
    assert sorted(p.name for p in slots.releases.iterdir()) == ["0.9.1", "0.9.2"]
    assert not slots.downloads.exists()


def test_the_installers_own_venv_says_its_version_from_the_package(tmp_path):
    slots = Slots(tmp_path / "opt")
    info = slots.root / "venv/lib/python3.11/site-packages/hymio-0.2.dev5+gabc.dist-info"
    info.mkdir(parents=True)
    slots.point("current", slots.root / "venv")
    assert slots.version() == "0.2.dev5+gabc"


class Scripted(Units):
    """Units whose ``systemctl show`` answers come from *states* (name → a function of time)."""

    def __init__(self, states):
        self.t = 0.0
        super().__init__(clock=lambda: self.t, sleep=self._sleep)
        self.states = states

    def _sleep(self, seconds: float) -> None:
        self.t += seconds

    def show(self, name: str) -> dict[str, str]:
        return self.states[name](self.t)


def _up(start: float = 1.0):
    def state(t: float) -> dict[str, str]:
        if t < start:
            return {"ActiveState": "activating", "SubState": "start", "NRestarts": "0",
                    "ExecMainStartTimestampMonotonic": "2"}  # fmt: skip
        return {"ActiveState": "active", "SubState": "running", "NRestarts": "0",
                "ExecMainStartTimestampMonotonic": "2"}  # fmt: skip

    return state


BEFORE = {n: {"ExecMainStartTimestampMonotonic": "1", "NRestarts": "0"}
          for n in ("hymio-kiosk.service", "hymio-sync.service")}  # fmt: skip


def test_units_that_come_up_and_stay_up_are_ready():
    units = Scripted({"hymio-kiosk.service": _up(4), "hymio-sync.service": _up(1)})
    assert units.wait_ready(BEFORE, within=60, settle=5) == ""
    assert 9 <= units.t < 11  # up at 4 s, then 5 s of settling


def test_a_kiosk_that_never_says_ready_is_not_ready_in_time():
    units = Scripted({"hymio-kiosk.service": _up(10**9), "hymio-sync.service": _up(1)})
    problem = units.wait_ready(BEFORE, within=30, settle=5)
    assert problem.startswith("not ready within 30 s: hymio-kiosk.service activating (start)")
    assert 30 <= units.t < 31


def test_a_kiosk_that_keeps_crashing_is_given_up_early():
    def crashing(t: float) -> dict[str, str]:
        return {
            "ActiveState": "activating",
            "SubState": "auto-restart",
            "NRestarts": str(int(t // 2)),
            "ExecMainStartTimestampMonotonic": str(int(t)),
        }

    units = Scripted({"hymio-kiosk.service": crashing, "hymio-sync.service": _up(1)})
    problem = units.wait_ready(BEFORE, within=180, settle=5)
    assert "hymio-kiosk.service did not come up" in problem and "restarted 3 times" in problem
    assert units.t < 10


def test_the_old_process_still_running_is_not_taken_for_the_new_one():
    old = {"ActiveState": "active", "SubState": "running", "NRestarts": "0",
           "ExecMainStartTimestampMonotonic": "1"}  # fmt: skip
    units = Scripted({"hymio-kiosk.service": lambda t: old, "hymio-sync.service": _up(1)})
    assert "hymio-kiosk.service active (running)" in units.wait_ready(BEFORE, within=10, settle=2)


def _manifest() -> Manifest:
    return Manifest(
        version="0.9.1", python="3.11", built_at="2026-12-01T15:00:00+00:00",
        files=[ReleaseFile(name="hymio-0.9.1-py3-none-any.whl", size=3, sha256="a" * 64),
               ReleaseFile(name="requirements.txt", size=1, sha256="b" * 64)],
    )  # fmt: skip


def test_a_signature_holds_only_for_the_signed_bytes_and_the_right_key(tmp_path):
    from cryptography.hazmat.primitives import serialization

    pem, public = new_key()
    key = serialization.load_pem_private_key(pem, password=None)
    data = _manifest().encode()
    signature = sign(key, data)
    verify(public, data, signature)
    assert parse_manifest(data) == _manifest()
    with pytest.raises(ReleaseError, match="not one made with this kiosk's release key"):
        verify(public, data.replace(b"0.9.1", b"0.9.2"), signature)
    with pytest.raises(ReleaseError, match="not one made with this kiosk's release key"):
        verify(new_key()[1], data, signature)
    with pytest.raises(ReleaseError, match="not one made"):
        verify(public, data, "not base64!")
    with pytest.raises(ReleaseError, match="must look like ed25519:"):
        verify("ssh-ed25519 AAAA", data, signature)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: {**m, "files": m["files"][:1]}, "files"),
        (lambda m: {**m, "files": [{**m["files"][0], "name": "../evil"}, m["files"][1]]}, "name"),
        (
            lambda m: {**m, "files": [m["files"][0], {**m["files"][1], "name": "reqs.txt"}]},
            "names no requirements.txt",
        ),
        (lambda m: {**m, "version": "1.0; rm -rf /"}, "version"),
    ],
)
def test_a_manifest_that_is_not_whole_or_names_a_path_is_refused(change, message):
    import json

    data = json.dumps(change(_manifest().model_dump())).encode()
    with pytest.raises(ReleaseError, match=message):
        parse_manifest(data)


def test_the_heartbeat_says_the_running_and_wanted_release_and_the_last_outcome(store):
    from kiosk import __version__
    from kiosk.releases.state import state_path
    from kiosk.store.ledger import Ledger
    from sync.heartbeat import device_status

    assert "wanted_release" not in device_status(Ledger(store))
    last = {"outcome": "rolled_back", "version": "0.9.3", "at": "2026-12-01T12:00:00+00:00",
            "detail": "hymio-kiosk.service did not come up"}  # fmt: skip
    write_state(state_path(store.path), UpdateState(wanted="0.9.3", last_update=last))
    status = device_status(Ledger(store))
    assert status["release"] == __version__ and status["wanted_release"] == "0.9.3"
    assert status["last_update"] == last
    assert read_state(Path("/nonexistent/update.json")) == UpdateState()


def test_keygen_never_overwrites_a_key_and_build_refuses_what_is_not_one(tmp_path, capsys):
    import stat

    from hymio.cli import main

    key = tmp_path / "release.key"
    assert main(["release", "keygen", "--key", str(key)]) == 0
    public = capsys.readouterr().out.split()[-1]
    assert (
        public.startswith("ed25519:")
        and (tmp_path / "release.key.pub").read_text().strip() == public
    )
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = key.read_bytes()
    assert main(["release", "keygen", "--key", str(key)]) == 1
    assert "never overwritten" in capsys.readouterr().err and key.read_bytes() == before
    wheel = tmp_path / "hymio-0.9.1-py3-none-any.whl"
    wheel.write_bytes(b"PK")
    assert main(["release", "build", "--wheel", str(wheel), "--key", str(wheel), "--out",
                 str(tmp_path / "out")]) == 1  # fmt: skip
    assert "not a release key" in capsys.readouterr().err
    assert not list((tmp_path / "out").glob("*.tar"))


def test_doctor_says_how_the_last_update_went(store, tmp_path):
    from kiosk.doctor import OK, WARN, Context
    from kiosk.releases.state import check_update, state_path
    from kiosk.settings.load import parse_settings

    plain = {"storage": {"path": str(store.path)}}
    [off] = check_update(Context(parse_settings(plain)))
    assert off.level == WARN and "no [hq] release_key" in off.detail
    settings = parse_settings({**plain, "hq": {"release_key": new_key()[1]}})
    assert check_update(Context(settings))[0].level == OK
    last = {"outcome": "rolled_back", "version": "0.9.3", "at": "2026-12-01T12:00:00+00:00",
            "detail": "hymio-kiosk.service did not come up"}  # fmt: skip
    write_state(state_path(store.path), UpdateState(last_update=last))
    [found] = check_update(Context(settings))
    assert found.level == WARN and "rolled_back 0.9.3" in found.detail
    assert "did not come up" in found.detail and "--now" in found.fix


def test_a_disk_that_fills_during_install_fails_it_and_leaves_no_half_release(tiny_disk):
    from hymio.update import InstallError
    from hymio.update.install import install

    slots = Slots(tiny_disk / "opt")
    (tiny_disk / "files").mkdir()
    with pytest.raises(
        InstallError, match="installing release 0.9.1 failed: the disk holding .* is full"
    ):
        install(slots, _manifest(), tiny_disk / "files", "0" * 64)
    assert not slots.folder("0.9.1").exists() and not slots.installed("0.9.1")
    assert slots.target() is None  # nothing was switched


def test_update_needs_hq_and_the_release_key_in_the_settings(tmp_path, capsys):
    from hymio.cli import main

    config = tmp_path / "kiosk.toml"
    config.write_text('[hq]\nurl = "http://127.0.0.1:9"\ntoken = "' + "t" * 43 + '"\n')
    assert main(["update", "--config", str(config), "--root", str(tmp_path / "opt")]) == 2
    err = capsys.readouterr().err
    assert "hq.release_key: is needed for updates" in err
    assert not (tmp_path / "opt").exists()


class Restartable(Scripted):
    """Scripted units that count their restarts (a rollback restarts them)."""

    restarts = 0

    def restart(self):
        self.restarts += 1
        return {}


@pytest.mark.parametrize("comes_up", [True, False])
def test_a_switch_cut_off_by_a_power_cut_is_judged_by_the_next_run(tmp_path, comes_up):
    from datetime import UTC, datetime

    from hymio.update.fetch import ReleaseSource
    from hymio.update.updater import Updater
    from kiosk.releases.state import state_path
    from kiosk.settings.load import parse_settings

    settings = parse_settings({"storage": {"path": str(tmp_path / "data/ratings.db")},
                               "hq": {"release_key": new_key()[1]}})  # fmt: skip
    slots = Slots(tmp_path / "opt")
    for v in ("0.9.1", "0.9.2"):
        _release(slots, v)
    slots.switch_to("0.9.1")
    slots.switch_to("0.9.2")  # switched, then the power went
    trial = {"version": "0.9.2", "previous": "0.9.1", "at": "2026-12-01T03:10:00+00:00"}
    write_state(state_path(settings.storage.path), UpdateState(wanted="0.9.2", trial=trial))
    kiosk = _up(1) if comes_up else _up(10**9)
    units = Restartable({"hymio-kiosk.service": kiosk, "hymio-sync.service": _up(1)})
    noon = datetime(2026, 12, 1, 10, tzinfo=UTC)  # open: nothing is asked of HQ
    updater = Updater(settings, slots.root, ReleaseSource("http://127.0.0.1:9", "t"),
                      units=units, ready_within=30, settle=5, now=lambda: noon)  # fmt: skip
    assert "the store is open" in updater.run()
    state = read_state(state_path(settings.storage.path))
    assert state.trial is None
    if comes_up:
        assert state.last_update["outcome"] == "updated" and slots.version() == "0.9.2"
        assert units.restarts == 0
    else:
        assert state.last_update["outcome"] == "rolled_back" and slots.version() == "0.9.1"
        assert units.restarts == 1 and state.rolled_back == ["0.9.2"]
