"""deploy/install-pi.sh against a temporary root folder, and the systemd units.

The script runs for real (useradd --prefix, a real virtual environment, systemctl
--root), only into a folder instead of /. pip gets --no-deps: the dependencies are
Raspberry Pi wheels (lgpio has none for this machine), and what is tested here is the
script. `systemd-analyze verify --root` then checks the installed units as systemd would
load them on the Pi, with the ExecStart= program really in place.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.settings.enrol_link import enrol_link
from kiosk.settings.load import load_settings
from tests.system_root import GETTY, base_python, mounted, new_root

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "deploy" / "install-pi.sh"
UNITS = sorted((REPO / "systemd").glob("*.service"))
GROUPS = ("gpio", "video", "input", "render")


def test_the_install_script_passes_shellcheck():
    done = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def install(
    root: Path, *args: str, source: Path, wheels: Path, shared: tuple[Path, ...] = ()
) -> subprocess.CompletedProcess:
    """The install script of *source* (a clean clone: pip builds in it) into the system
    root *root*, pip taking only what it needs to build from *wheels* (no index there)."""
    pip = f"--no-deps --no-index --find-links {wheels}"
    env = {**os.environ, "HYMIO_PIP_ARGS": pip, "PYTHON": base_python()}
    command = ["bash", str(source / "deploy" / "install-pi.sh"), "--root", str(root), *args]
    return subprocess.run(
        mounted(root, command, shared=(wheels, *shared)),
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="session")
def build_wheels(tmp_path_factory) -> Path:
    """What pip needs to build Hymiö from its source (setuptools, setuptools-scm), for a
    root that reaches no package index."""
    folder = tmp_path_factory.mktemp("build-wheels")
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(folder),
                    "setuptools>=77", "setuptools-scm>=8", "wheel"], check=True)  # fmt: skip
    return folder


def in_root(root: Path, *command: str) -> subprocess.CompletedProcess:
    """*command* run inside *root* (chroot), as on the Pi once the image is its /."""
    return subprocess.run(mounted(root, list(command), chroot=True), capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def root(tmp_path_factory, clean_clone, build_wheels) -> Path:
    root = new_root(tmp_path_factory.mktemp("pi"))
    done = install(root, source=clean_clone, wheels=build_wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def entry(root: Path, file: str, name: str) -> list[str]:
    lines = (root / "etc" / file).read_text().splitlines()
    found = [line.split(":") for line in lines if line.split(":")[0] == name]
    assert len(found) == 1, f"{name} appears {len(found)} times in {file}"
    return found[0]


def test_the_user_is_a_system_user_in_the_hardware_groups(root):
    user = entry(root, "passwd", "hymio")
    assert int(user[2]) < 1000 and user[5] == "/var/lib/hymio" and user[6].endswith("nologin")
    for group in GROUPS:
        assert "hymio" in entry(root, "group", group)[3].split(",")


def test_settings_are_private_to_the_user_and_load(root):
    config = root / "etc/hymio/kiosk.toml"
    info = config.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert info.st_uid == int(entry(root, "passwd", "hymio")[2])
    settings = load_settings(config)
    assert settings.device.id == "till-3"
    assert settings.hq.url is None and settings.hq.token is None  # until HQ gives a token
    assert "# Hymiö kiosk settings" in config.read_text()  # the commented example
    data = root / "var/lib/hymio"
    assert data.is_dir() and stat.S_IMODE(data.stat().st_mode) == 0o750


def test_the_program_is_in_a_virtual_environment_and_on_the_path(root):
    hymio = root / "opt/hymio/venv/bin/hymio"
    assert os.access(hymio, os.X_OK)
    assert os.readlink(root / "usr/local/bin/hymio") == "/opt/hymio/current/bin/hymio"
    assert os.readlink(root / "opt/hymio/current") == "venv"  # what the units run; updates move it
    site = next((root / "opt/hymio/venv/lib").glob("python3*/site-packages"))
    assert (site / "hymio" / "cli" / "kiosk.py").exists()
    # made where it runs: its scripts name /opt/hymio/…, not the folder it was made in
    assert hymio.read_text().splitlines()[0] == "#!/opt/hymio/venv/bin/python"
    assert str(root) not in (root / "opt/hymio/venv/pyvenv.cfg").read_text()
    # inside the image, as its /: the link, the venv's Python and the package it holds
    ran = in_root(
        root, "/opt/hymio/current/bin/python", "-c", "import hymio; print(hymio.__file__)"
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.startswith("/opt/hymio/current/lib/python3"), ran.stdout


def test_the_units_are_installed_enabled_and_getty_gives_up_tty1(root):
    wants = root / "etc/systemd/system/multi-user.target.wants"
    for unit in ("hymio-kiosk.service", "hymio-sync.service"):
        installed = (root / "etc/systemd/system" / unit).read_text()
        assert installed == (REPO / "systemd" / unit).read_text()
        assert os.readlink(wants / unit) == f"/etc/systemd/system/{unit}"
    timer = root / "etc/systemd/system/timers.target.wants/hymio-update.timer"
    assert os.readlink(timer) == "/etc/systemd/system/hymio-update.timer"
    assert (root / "etc/systemd/system/hymio-update.service").is_file()
    assert not (root / GETTY).is_symlink()


def test_systemd_analyze_verifies_every_unit(root):
    for hq_unit in ("hymio-hq.service", "hymio-hq-worker.service"):  # HQ's, not a kiosk's
        shutil.copy(REPO / "systemd" / hq_unit, root / "etc/systemd/system")
    done = subprocess.run(
        ["systemd-analyze", "verify", f"--root={root}", *(u.name for u in UNITS),
         "hymio-update.timer"],
        capture_output=True, text=True,
    )  # fmt: skip
    # verify exits 0 for unknown keys and bad values, and only says so: both must be quiet.
    assert done.returncode == 0 and done.stdout + done.stderr == "", done.stdout + done.stderr


def _syscall_group(name: str) -> set[str]:
    """The system calls of a ``systemd-analyze syscall-filter`` group, groups in it expanded."""
    listed = subprocess.run(["systemd-analyze", "syscall-filter", name],
                            capture_output=True, text=True, check=True).stdout  # fmt: skip
    words = [w.strip() for w in listed.splitlines()[1:] if w.strip() and w.strip()[0] != "#"]
    return set().union(*(_syscall_group(w) if w[0] == "@" else {w} for w in words))


def _allowed_syscalls(unit: Path) -> set[str]:
    """The system calls a unit's ``SystemCallFilter=`` lines allow, as systemd expands them."""
    allowed: set[str] = set()
    for line in unit.read_text().splitlines():
        if line.startswith("SystemCallFilter=") and not line.startswith("SystemCallFilter=~"):
            for name in line.split("=", 1)[1].split():
                allowed |= _syscall_group(name) if name[0] == "@" else {name}
    return allowed


def test_sync_may_read_the_clocks_state_under_its_system_call_filter():
    # sync's heartbeat reads the clock's state with adjtimex(2) (glibc: clock_adjtime, or
    # clock_adjtime64 on 32 bits); a filter without it kills sync with SIGSYS at once.
    assert "libc.adjtimex(" in (REPO / "kiosk" / "timekeeping" / "clock.py").read_text()
    allowed = _allowed_syscalls(REPO / "systemd" / "hymio-sync.service")
    assert "read" in allowed and "openat" in allowed  # the groups were expanded
    assert {"adjtimex", "clock_adjtime", "clock_adjtime64"} <= allowed
    assert "settimeofday" not in allowed and "clock_settime" not in allowed


@pytest.mark.parametrize("unit", [u.name for u in UNITS])
def test_every_unit_restarts_forever_and_is_hardened(unit):
    text = (REPO / "systemd" / unit).read_text()
    once = unit == "hymio-update.service"  # a oneshot run by its timer: nothing to restart
    for line in (
        *(() if once else ("Restart=always", "StartLimitIntervalSec=0")),
        "NoNewPrivileges=yes", "ProtectSystem=strict", "PrivateTmp=yes", "ProtectHome=yes",
    ):  # fmt: skip
        assert f"\n{line}\n" in text, f"{unit} lacks {line}"
    if once:
        assert "\nType=oneshot\n" in text and "/opt/hymio/current/bin/hymio update" in text
    elif unit not in ("hymio-hq.service", "hymio-hq-worker.service"):
        assert "\nType=notify\n" in text and "\nWatchdogSec=" in text
        assert "\nReadWritePaths=/var/lib/hymio\n" in text


def test_a_second_run_changes_nothing_and_keeps_edited_settings(root, clean_clone, build_wheels):
    config = root / "etc/hymio/kiosk.toml"
    config.write_text(config.read_text() + "\n# edited by the installer\n")
    before = (root / "etc/passwd").read_text(), (root / "etc/group").read_text()
    done = install(root, source=clean_clone, wheels=build_wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kept the settings" in done.stdout
    assert config.read_text().endswith("# edited by the installer\n")
    assert ((root / "etc/passwd").read_text(), (root / "etc/group").read_text()) == before


def test_uninstall_removes_the_program_and_keeps_the_data(tmp_path, clean_clone, build_wheels):
    root = new_root(tmp_path / "pi")
    assert install(root, source=clean_clone, wheels=build_wheels).returncode == 0
    (root / "var/lib/hymio/ratings.db").write_bytes(b"precious")
    done = install(root, "--uninstall", source=clean_clone, wheels=build_wheels)
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (root / "opt/hymio").exists()
    assert not (root / "usr/local/bin/hymio").is_symlink()
    assert not list((root / "etc/systemd/system").rglob("hymio-*"))
    assert (root / "var/lib/hymio/ratings.db").read_bytes() == b"precious"
    assert (root / "etc/hymio/kiosk.toml").exists()
    assert "kept" in done.stdout
    assert (root / GETTY).is_symlink()  # the login prompt is back on tty1


def test_a_root_that_is_not_a_systems_is_refused_and_left_alone(tmp_path, clean_clone):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = subprocess.run(["bash", str(SCRIPT), "--root", str(empty)], capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"--root {empty} is not the root file system of a system" in done.stderr
    assert f"{empty}/etc/passwd" in done.stderr and "cannot lock" not in done.stderr
    assert list(empty.iterdir()) == []


def test_unknown_options_are_refused(tmp_path):
    done = subprocess.run(["bash", str(SCRIPT), "--rot", "x"], capture_output=True, text=True)
    assert done.returncode == 2 and "unknown option --rot" in done.stderr


def test_enroll_needs_hqs_url_and_the_code(tmp_path):
    done = subprocess.run(
        ["bash", str(SCRIPT), "--enroll", "https://hq.example.com"], capture_output=True, text=True
    )
    assert done.returncode == 2 and "--enroll needs HQ's URL and the enrol code" in done.stderr
    assert "or the enrolment link (hymio-enrol:" in done.stderr
    assert "hymio enroll" in SCRIPT.read_text()  # what --enroll runs (tested in test_enroll)


@pytest.mark.parametrize("form", ["url and code", "enrolment link"])
def test_install_with_enroll_registers_the_kiosk_and_writes_its_settings(
    tmp_path, clean_clone, build_wheels, form
):
    from datetime import UTC, datetime

    from hq.fleet.enrolment import make_code
    from hq.people.admin import add_store
    from hq.tables.database import open_database
    from tests.hq.served import served

    url = f"sqlite:///{tmp_path / 'hq.db'}"
    engine, sessions = open_database(url)
    with sessions() as s:
        add_store(s, "s4", "Sello", "Europe/Helsinki", datetime.now(UTC))
        code = make_code(s, "s4", 1, 1, datetime.now(UTC))
    root = new_root(tmp_path / "pi")
    # The venv made beforehand, seeing this one's packages (the Pi wheels are not here).
    venv = root / "opt/hymio/venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    subprocess.run([str(venv / "bin/python"), "-m", "ensurepip", "--default-pip"],
                   check=True, capture_output=True)  # fmt: skip
    deps = next(Path(p) for p in sys.path if p.endswith("site-packages"))
    site = next((venv / "lib").glob("python3*/site-packages"))
    (site / "test-deps.pth").write_text(f"{deps}\n")
    with served(url, tmp_path / "hq.log") as base:
        enrol = [base, code] if form == "url and code" else [enrol_link(base, code)]
        done = install(root, "--enroll", *enrol, source=clean_clone, wheels=build_wheels,
                       shared=(deps,))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "enrolled as device till-3 in store s4" in done.stdout
    config = root / "etc/hymio/kiosk.toml"
    settings = load_settings(config)
    assert (settings.hq.url, settings.device.id, settings.device.store_id) == (base, "till-3", "s4")
    assert settings.hq.token and "# Hymiö kiosk settings" in config.read_text()
    st = config.stat()
    assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == int(entry(root, "passwd", "hymio")[2])
    engine.dispose()


# --- the Debian packages the kiosk's binary wheels need (issue 27) ---------------------
# Each library a wheel's module links and the wheel does not bring, by the Debian package
# that provides it (bookworm: the same names on Raspberry Pi OS's arm64 and this machine).
PROVIDED_BY = {
    "libGL.so.1": "libgl1",  # Kivy's GL modules (on aarch64 too): no window without it
    "libEGL.so.1": "libegl1",  # the rest SDL2's KMS/DRM backend and Kivy open at run
    "libGLESv2.so.2": "libgles2",  # time (dlopen, not linked): listed for that reason
    "libgbm.so.1": "libgbm1",
    "libmtdev.so.1": "libmtdev1",
}
OPENED_AT_RUN_TIME = {"libEGL.so.1", "libGLESv2.so.2", "libgbm.so.1", "libmtdev.so.1"}
# The C and C++ runtimes and zlib: in every Raspberry Pi OS (apt and python3 need them).
BASE = {"libc.so.6", "libm.so.6", "libpthread.so.0", "libdl.so.2", "librt.so.1",
        "libgcc_s.so.1", "libstdc++.so.6", "libz.so.1"}  # fmt: skip
# Modules the kiosk never loads: Kivy's X11 window (the kiosk's window is SDL2's).
UNUSED = ("kivy/core/window/window_x11",)


def script_packages() -> list[str]:
    text = SCRIPT.read_text()
    line = next(x for x in text.splitlines() if x.strip().startswith("local packages=("))
    return line.split("(", 1)[1].rstrip(")").split()


def needed_libraries(site: Path) -> dict[str, list[str]]:
    """The libraries the wheels' modules in *site* (Kivy, lgpio) link and do not bring
    themselves (in ``Kivy.libs`` and the like): soname → the modules that need it."""
    modules = [p for pattern in ("kivy/**/*.so", "_lgpio*.so", "lgpio*/**/*.so")
               for p in site.glob(pattern)]  # fmt: skip
    bundled = {p.name for libs in site.glob("*.libs") for p in libs.iterdir()}
    found: dict[str, list[str]] = {}
    for module in modules:
        where = str(module.relative_to(site))
        if where.startswith(UNUSED):
            continue
        dynamic = subprocess.run(["readelf", "-d", str(module)], capture_output=True,
                                 text=True, check=True).stdout  # fmt: skip
        for line in dynamic.splitlines():
            if "(NEEDED)" in line:
                name = line.rsplit("[", 1)[1].rstrip("]")
                if name not in bundled:
                    found.setdefault(name, []).append(where)
    return found


def assert_the_script_installs_what(site: Path) -> None:
    needed = needed_libraries(site)
    assert "libGL.so.1" in needed, needed  # the one the installed kiosk lacked
    packages = set(script_packages())
    for name, users in needed.items():
        if name in BASE:
            continue
        assert name in PROVIDED_BY, f"{name} (needed by {users[0]}) has no package in the list"
        assert PROVIDED_BY[name] in packages, f"install-pi.sh lacks {PROVIDED_BY[name]}"
    for name in OPENED_AT_RUN_TIME:
        assert PROVIDED_BY[name] in packages


def test_the_script_installs_every_library_the_kiosks_wheels_need():
    import importlib.util

    kivy = importlib.util.find_spec("kivy")  # found, not imported: Kivy takes over stderr
    assert kivy is not None and kivy.origin
    assert_the_script_installs_what(Path(kivy.origin).parents[1])


def test_the_package_of_each_library_is_the_one_debian_ships_it_in():
    # dpkg knows, on this Debian machine, which package a library file is in; the same
    # names hold on Raspberry Pi OS (bookworm, arm64).
    checked = 0
    for name, package in PROVIDED_BY.items():
        done = subprocess.run(["dpkg", "-S", f"*/{name}"], capture_output=True, text=True)
        owners = {line.split(":")[0] for line in done.stdout.splitlines()
                  if line.rstrip().endswith("/" + name)}  # fmt: skip
        if owners:
            assert owners == {package}, f"{name} is in {owners}, not {package}"
            checked += 1
    assert checked >= 1 or shutil.which("dpkg") is None


def test_root_names_a_folder_that_exists(tmp_path):
    done = subprocess.run(["bash", str(SCRIPT), "--root", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2 and f"--root {tmp_path / 'nope'}: no such folder" in done.stderr
    assert not (tmp_path / "nope").exists()
