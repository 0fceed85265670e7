"""Hymiö as it is installed, not as it sits in the repository.

The wheel is built, installed with its dependencies into a fresh virtual environment
outside the repository, and run from a folder outside it. Then ``deploy/install-pi.sh
--root`` installs the same wheel with the ``pi`` extra into a system root (as into an
image: by chroot, at the final paths), and the kiosk and sync are started inside it the
way their systemd units start them: the unit's ``WorkingDirectory=`` and
``Environment=``, the unit's user-writable folders writable and everything else
read-only (a private mount namespace with the root remounted read-only, as
``ProtectSystem=strict`` leaves it), offscreen and on mock pins.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.notify_socket import FakeSystemd
from tests.system_root import base_python, mounted, new_root

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow
# What the package must carry (STYLE 8): the screens, the texts, Kivy's config, the
# example settings, HQ's migrations, templates and style sheet.
CARRIED = (
    "kiosk/ui/kv/*.kv",
    "kiosk/assets/locale/*/LC_MESSAGES/hymio.po",
    "kiosk/assets/kivy/config.ini",
    "kiosk/assets/pictograms/*.png",
    "kiosk/settings/kiosk.example.toml",
    "hq/tables/migrations/versions/*.py",
    "hq/tables/migrations/script.py.mako",
    "hq/dashboard/templates/*.html",
    "hq/dashboard/templates/survey/*.html",
    "hq/insight/scheduled/templates/*",
    "hq/core/locale/*/LC_MESSAGES/hq.po",
    "hq/web/static/*",
    "hq/words/topics.toml",
    "hq/dashboard/templates/words/*.html",
    "hq/answer/templates/*",
)


def clean_env(**extra: str) -> dict[str, str]:
    """This machine's environment without anything that points at the repository."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return {**env, **extra}


def run(*command: str | Path, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(c) for c in command], capture_output=True, text=True, timeout=900, **kwargs
    )
    assert done.returncode == 0, f"{command}: {done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="session")
def dist(tmp_path_factory, clean_clone) -> Path:
    """The wheel and the sdist, built as ``make dist`` builds them (the documentation site
    first, then the package) from a clean clone of the repository (what was committed,
    with its history for the version; nothing is written into the checkout)."""
    out = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "docs.build_help", cwd=clean_clone)
    run(sys.executable, "-m", "build", "--outdir", out, clean_clone, cwd=out)
    return out


@pytest.fixture(scope="session")
def wheel(dist) -> Path:
    [found] = dist.glob("hymio-*.whl")
    return found


def repo_files(pattern: str) -> set[str]:
    return {str(p.relative_to(REPO)) for p in REPO.glob(pattern)}


def test_the_wheel_and_the_sdist_carry_every_file_the_program_reads(dist, wheel):
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    [sdist] = dist.glob("hymio-*.tar.gz")
    with tarfile.open(sdist) as tar:
        in_sdist = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
    for pattern in CARRIED:
        wanted = repo_files(pattern)
        assert wanted, pattern
        assert wanted <= in_wheel, sorted(wanted - in_wheel)
        assert wanted <= in_sdist, sorted(wanted - in_sdist)
    for needed in ("README.md", "deploy/install-pi.sh", "systemd/hymio-kiosk.service"):
        assert needed in in_sdist, needed
    assert repo_files("tests/*.py") <= in_sdist


def test_the_version_says_which_build_it_is(wheel):
    version = wheel.name.split("-")[1]
    described = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert version != "0.1.0"
    # setuptools-scm: a tag, or the distance from one and the commit (g<hash>).
    assert re.fullmatch(r"\d+\.\d+(\.\d+)?(\.dev\d+)?(\+g[0-9a-f]+(\.d\d{8})?)?", version)
    if ".dev" in version:
        assert f"g{described}" in version


@pytest.fixture(scope="session")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel and all it needs (kiosk and HQ)."""
    folder = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", folder)
    run(folder / "bin/python", "-m", "pip", "install", "--quiet", f"{wheel}[ui,hq]",
        env=clean_env())  # fmt: skip
    return folder


def test_the_installed_demo_runs_outside_the_repository(venv, wheel, tmp_path):
    done = run(
        venv / "bin/hymio", "demo", "--headless", "--presses", "20", "--json", "--seed", "3",
        "--folder", tmp_path / "demo",
        cwd=tmp_path, env=clean_env(SDL_VIDEODRIVER="offscreen", HOME=str(tmp_path)),
    )  # fmt: skip
    report = json.loads(done.stdout)
    assert report["presses"] == 20 and report["stored"] == report["received"] == 20
    assert report["ok"] and report["pending"] == 0
    version = run(venv / "bin/hymio", "--version", cwd=tmp_path, env=clean_env()).stdout
    assert version.split()[-1] == wheel.name.split("-")[1]


# --- the Raspberry Pi install, started the way systemd starts it -----------------------------


@pytest.fixture(scope="session")
def pi(wheel, tmp_path_factory) -> Path:
    """A system root after ``install-pi.sh --root ROOT --wheel`` (with its dependencies,
    lgpio too, from a folder of wheels pip downloaded here: the root reaches no index)."""
    wheels = tmp_path_factory.mktemp("pi-wheels")
    run(sys.executable, "-m", "pip", "download", "--quiet", "--dest", wheels, f"{wheel}[pi]")
    root = new_root(tmp_path_factory.mktemp("pi"))
    env = {**clean_env(), "PYTHON": base_python(),
           "HYMIO_PIP_ARGS": f"--no-index --find-links {wheels}"}  # fmt: skip
    command = ["bash", str(REPO / "deploy/install-pi.sh"), "--root", str(root), "--wheel",
               str(wheel)]  # fmt: skip
    done = subprocess.run(mounted(root, command, shared=(wheels,)), capture_output=True,
                          text=True, timeout=900, env=env)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return root


def unit(name: str) -> dict[str, list[str]]:
    """The [Service] settings of a unit: key → values, in order."""
    found: dict[str, list[str]] = {}
    for line in (REPO / "systemd" / name).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def as_the_unit_runs(root: Path, name: str, args: list[str], tmp: Path, **extra: str):
    """Run the unit's program inside *root* (chroot, at the paths of the Pi) under its
    environment: its working directory, its writable folders writable, everything else
    read-only; *tmp* (where the test's fake systemd listens) shared; returns the process."""
    settings = unit(name)
    work = settings["WorkingDirectory"][0]
    writable = [*settings["ReadWritePaths"][0].split(), "/tmp"]  # PrivateTmp=: its own /tmp
    writable += [f"/var/cache/{d}" for d in settings.get("CacheDirectory", [])]
    writable += [f"/run/{d}" for d in settings.get("RuntimeDirectory", [])]
    env = {"PATH": "/usr/bin:/bin", "HOME": work, "TMPDIR": "/tmp"}
    for item in settings.get("Environment", []):
        key, value = item.split("=", 1)
        env[key] = value
    env.update(extra)
    program = shlex.split(settings["ExecStart"][0])[0]
    command = mounted(root, [program, *args], shared=(tmp,), writable=tuple(writable),
                      chroot=True, cwd=work)  # fmt: skip
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def pi_settings(root: Path, url: str = "http://127.0.0.1:9", token: str = "x") -> str:  # noqa: S107
    """The installed settings with HQ at *url*; their path on the Pi."""
    config = root / "etc/hymio/kiosk.toml"
    text = config.read_text()
    text = re.sub(r"(?m)^(# )?url = .*$", f'url = "{url}"', text)
    text = re.sub(r"(?m)^(# )?token = .*$", f'token = "{token}"', text)
    config.write_text(text)
    return "/etc/hymio/kiosk.toml"


@pytest.fixture(scope="session")
def pi_kiosk(pi, tmp_path_factory) -> subprocess.CompletedProcess:
    """``hymio kiosk`` started as hymio-kiosk.service starts it, with six simulated
    shoppers on mock pins; it stops by itself when they are done."""
    tmp = tmp_path_factory.mktemp("kiosk-unit")
    config = pi_settings(pi)
    systemd = FakeSystemd(tmp)
    try:
        kiosk = as_the_unit_runs(
            pi, "hymio-kiosk.service",
            ["kiosk", "--config", config, "--simulate", "--shoppers", "6"], tmp,
            SDL_VIDEODRIVER="offscreen", **systemd.env(),
        )  # fmt: skip
        try:
            ready = systemd.wait_for("READY=1", 120)  # the question screen is up
        except AssertionError:
            kiosk.kill()
            ready = None
        out, err = kiosk.communicate(timeout=300)
    finally:
        systemd.close()
    assert ready, out[-3000:] + err[-5000:]
    return subprocess.CompletedProcess(kiosk.args, kiosk.returncode, out, err)


def test_the_installed_kiosk_starts_as_its_unit_and_records_presses(pi, pi_kiosk):
    assert pi_kiosk.returncode == 0, pi_kiosk.stdout + pi_kiosk.stderr
    assert "Traceback" not in pi_kiosk.stderr, pi_kiosk.stderr
    conn = sqlite3.connect(pi / "var/lib/hymio/ratings.db")
    try:
        assert conn.execute("SELECT count(*) FROM ratings").fetchone()[0] >= 6
    finally:
        conn.close()


def test_the_pi_install_brings_every_library_its_wheels_need(pi):
    from tests.hymio.test_deploy import assert_the_script_installs_what

    site = next((pi / "opt/hymio/venv/lib").glob("python3*/site-packages"))
    assert (site / "kivy").is_dir() and list(site.glob("_lgpio*.so"))  # the pi extra's
    assert_the_script_installs_what(site)


class InstalledHQ:
    """``hymio hq serve`` of the fresh virtual environment, with the Pi's store and device."""

    def __init__(self, venv: Path, folder: Path, store: str, device: str):
        import socket

        self.venv, self.device = venv, device
        database = f"sqlite:///{folder / 'hq.db'}"
        hymio = venv / "bin/hymio"
        run(hymio, "hq", "add-store", "--database", database, "--id", store, "--name", "Pi",
            "--timezone", "Europe/Helsinki", env=clean_env())  # fmt: skip
        self.token = _token(run(hymio, "hq", "add-device", "--database", database, "--store",
                                store, "--id", device, env=clean_env()).stdout)  # fmt: skip
        self.reader = _token(run(hymio, "hq", "add-token", "--database", database, "--name",
                                 "t", env=clean_env()).stdout)  # fmt: skip
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.process = subprocess.Popen(
            [hymio, "hq", "serve", "--database", database, "--port", str(port)],
            env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def __enter__(self) -> InstalledHQ:
        import time

        import requests

        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.url}/healthz", timeout=1)
                return self
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "HQ did not start"
                time.sleep(0.2)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(10)

    def received(self) -> int:
        import requests

        answer = requests.get(
            f"{self.url}/api/v1/devices/{self.device}/gaps",
            headers={"Authorization": f"Bearer {self.reader}"}, timeout=10,
        )  # fmt: skip
        return answer.json()["received"]


def _token(text: str) -> str:
    """The token a `hymio hq add-…` command printed (the longest word it printed)."""
    return max(text.split(), key=len)


def test_the_installed_sync_starts_as_its_unit_and_delivers(pi, pi_kiosk, venv, tmp_path):
    from kiosk.settings.load import load_settings

    settings = load_settings(pi / "etc/hymio/kiosk.toml")
    with InstalledHQ(venv, tmp_path, settings.device.store_id, settings.device.id) as hq:
        config = pi_settings(pi, hq.url, hq.token)
        sync = as_the_unit_runs(
            pi, "hymio-sync.service", ["sync", "--config", config, "--once", "--json"],
            tmp_path, JOURNAL_STREAM="8:1",
        )  # fmt: skip
        out, err = sync.communicate(timeout=180)
        assert sync.returncode == 0, out + err
        report = json.loads(out)
        assert report["ok"] and report["sent"] >= 6 and hq.received() == report["sent"]
    # Under journald every line carries its priority; nothing was a warning.
    assert all(re.match(r"<[67]>", line) for line in err.splitlines()), err


def test_the_installed_dashboard_speaks_finnish_from_the_packages_catalogues(venv, tmp_path):
    import requests

    where = run(
        venv / "bin/python", "-c",
        "from hq.core.language import locale_folder as f; print(f() / 'fi')",
        cwd=tmp_path, env=clean_env(),
    ).stdout.strip()  # fmt: skip
    assert Path(where).is_relative_to(venv) and (Path(where) / "LC_MESSAGES/hq.po").is_file()
    with InstalledHQ(venv, tmp_path, "s1", "k1") as hq:
        page = requests.get(f"{hq.url}/login", headers={"Accept-Language": "fi"}, timeout=10)
    assert '<html lang="fi">' in page.text and "Kirjaudu sisään" in page.text


def test_the_installed_hq_serves_its_documentation_at_help(venv, wheel, tmp_path):
    import requests

    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    assert {"hq/web/help/index.html", "hq/web/help/use-the-dashboard/ranking.html"} <= in_wheel
    assert not any(name.endswith(".map") for name in in_wheel)
    with InstalledHQ(venv, tmp_path, "s1", "k1") as hq:
        front = requests.get(f"{hq.url}/help", timeout=10)
        guide = requests.get(f"{hq.url}/help/use-the-dashboard/ranking.html", timeout=10)
    assert front.status_code == 200 and front.url.endswith("/help/")
    assert guide.status_code == 200 and "estimate" in guide.text


def test_the_units_work_in_a_folder_the_service_may_write():
    for name in ("hymio-kiosk.service", "hymio-sync.service"):
        settings = unit(name)
        work = settings["WorkingDirectory"][0]
        assert work in settings["ReadWritePaths"][0].split(), name  # lgpio's pipe goes there
