"""doctor's display, touch and systemd-unit checks, on a fake /sys, /dev and systemctl."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from hymio import doctor_system
from hymio.doctor_system import check_display, check_overlay, check_units
from kiosk.doctor import FAIL, OK, WARN, Context
from kiosk.settings.load import parse_settings


def context(root: Path) -> Context:
    return Context(parse_settings({}, Path("kiosk.toml")), root=root)


def connector(root: Path, name: str, state: str) -> None:
    folder = root / "sys/class/drm" / name
    folder.mkdir(parents=True)
    (folder / "status").write_text(state + "\n")


def test_a_connected_screen_with_its_drm_device_is_ok(tmp_path):
    connector(tmp_path, "card1-HDMI-A-1", "connected")
    connector(tmp_path, "card1-HDMI-A-2", "disconnected")
    (tmp_path / "dev/dri").mkdir(parents=True)
    (tmp_path / "dev/dri/card1").touch()
    (tmp_path / "dev/input").mkdir()
    (tmp_path / "dev/input/event0").touch()
    found = check_display(context(tmp_path))
    assert [(f.check, f.level, f.detail) for f in found] == [
        ("display", OK, f"HDMI-A-1 connected ({tmp_path}/dev/dri/card1)"),
        ("display", OK, "the kiosk draws on card1 (HDMI-A-1)"),
        ("touch", OK, "1 input device(s) readable"),
    ]


def test_no_screen_connected_is_a_problem_with_a_fix(tmp_path):
    connector(tmp_path, "card1-HDMI-A-1", "disconnected")
    connector(tmp_path, "card1-DSI-1", "disconnected")
    (found,) = check_display(context(tmp_path))
    assert found.level == FAIL
    assert found.detail == "no screen is connected (DSI-1 disconnected, HDMI-A-1 disconnected)"
    assert "cable" in found.fix


def test_a_drm_device_that_cannot_be_opened_names_the_groups(tmp_path):
    connector(tmp_path, "card0-DSI-1", "connected")  # and no /dev/dri/card0 to open
    (found,) = check_display(context(tmp_path))
    assert found.level == FAIL and "cannot be opened" in found.detail
    assert "video and render groups" in found.fix


def test_no_drm_at_all_is_a_warning(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    (found,) = check_display(context(tmp_path))
    assert found.level == WARN and "vc4-kms-v3d" in found.fix
    monkeypatch.setenv("DISPLAY", ":0")
    (found,) = check_display(context(tmp_path))
    assert found.level == OK and ":0" in found.detail


SYSTEMCTL = """#!/bin/sh
case "$2" in
hymio-kiosk.service) printf '%s\\n' LoadState=loaded ActiveState=active SubState=running \\
    Result=success UnitFileState=enabled NRestarts=0 ;;
hymio-sync.service) printf '%s\\n' LoadState=loaded ActiveState=failed SubState=failed \\
    Result=exit-code UnitFileState=enabled NRestarts=2 ;;
esac
"""


@pytest.fixture
def systemctl(tmp_path, monkeypatch):
    def install(script: str) -> None:
        path = tmp_path / "systemctl"
        path.write_text(script)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
        monkeypatch.setattr(doctor_system, "SYSTEMCTL", str(path))

    return install


def test_unit_states_are_reported_and_a_failed_unit_is_a_problem(systemctl, tmp_path):
    systemctl(SYSTEMCTL)
    kiosk, sync = check_units(context(tmp_path))
    assert kiosk.level == OK
    assert kiosk.detail == "hymio-kiosk: active (running), enabled, restarted 0 time(s)"
    assert sync.level == FAIL and "result exit-code" in sync.detail
    assert "journalctl -t hymio-sync -b" in sync.fix and "systemctl restart hymio-sync" in sync.fix


def test_units_not_installed_or_no_systemd_say_nothing(systemctl, tmp_path):
    systemctl("#!/bin/sh\necho LoadState=not-found\n")
    assert check_units(context(tmp_path)) == []
    systemctl("#!/bin/sh\necho 'System has not been booted with systemd' >&2\nexit 1\n")
    assert check_units(context(tmp_path)) == []


@pytest.mark.parametrize(
    ("mounts", "level"),
    [
        ("/dev/mmcblk0p2 / ext4 rw 0 0\n", OK),
        # raspi-config's read-only overlay: / is an overlay whose upper layer is in RAM
        ("overlayroot / overlay rw,lowerdir=/media/root-ro,upperdir=/media/root-rw 0 0\n", FAIL),
        ("/dev/mmcblk0p2 / ext4 rw 0 0\ntmpfs /var/lib/hymio tmpfs rw 0 0\n", FAIL),
        ("overlayroot / overlay rw 0 0\n/dev/sda1 /var/lib/hymio ext4 rw 0 0\n", OK),
    ],
)
def test_a_card_that_forgets_its_writes_at_reboot_is_a_problem(tmp_path, mounts, level):
    (tmp_path / "proc").mkdir()
    (tmp_path / "proc/mounts").write_text(mounts)
    settings = parse_settings({"storage": {"path": "/var/lib/hymio/ratings.db"}}, Path("k.toml"))
    [found] = check_overlay(Context(settings, root=tmp_path))
    assert found.level == level
    if level == FAIL:
        assert "lost at each reboot" in found.detail and "disable_overlayfs" in found.fix


def test_a_display_setting_that_names_no_connected_screen_fails(tmp_path):
    connector(tmp_path, "card1-DSI-2", "connected")
    (tmp_path / "dev/dri").mkdir(parents=True)
    (tmp_path / "dev/dri/card1").touch()
    settings = parse_settings({"device": {"display": "HDMI-A-1"}}, Path("kiosk.toml"))
    found = [f for f in check_display(Context(settings, root=tmp_path)) if f.level == FAIL]
    assert [f.detail for f in found] == [
        "[device] display = 'HDMI-A-1': no connector HDMI-A-1 (connectors: DSI-2)"
    ]
    assert "DSI-2" in found[0].fix


def test_the_windows_libraries_load_here(tmp_path):
    # The suite's machine has them (.ci/run installs what install-pi.sh installs).
    (found,) = doctor_system.check_libraries(context(tmp_path))
    assert (found.level, found.detail) == (OK, "the window's 5 libraries load")


def test_a_missing_library_is_a_problem_that_names_it_and_its_package(tmp_path):
    # A real load of a library that is not on the machine, beside one that is (the
    # arm64 smoke check found a kiosk without libGL.so.1 that doctor called healthy).
    libraries = {"libGL.so.1": "libgl1", "libhymio-absent.so.1": "libhymio-absent1"}
    (found,) = doctor_system.check_libraries(context(tmp_path), libraries)
    assert found.level == FAIL
    assert found.detail == (
        "the kiosk cannot open its window: libhymio-absent.so.1 cannot be loaded"
    )
    assert found.fix.startswith("sudo apt-get install libhymio-absent1 ")


@pytest.mark.parametrize("unit", doctor_system.UNITS)
def test_the_log_command_doctor_gives_names_the_units_own_identifier(unit):
    # The kiosk's process lives in its login session's scope (PAMName=login), so journald
    # files its lines under session-N.scope and `journalctl -u hymio-kiosk` misses them;
    # SyslogIdentifier= goes with every line whatever the scope, and -t matches it.
    name = unit.removesuffix(".service")
    text = (Path(__file__).resolve().parents[2] / "systemd" / unit).read_text()
    assert f"\nSyslogIdentifier={name}\n" in text
    command = doctor_system.journal_command(name)
    assert command == f"journalctl -t {name} -b"
    assert "-u" not in command.split()
