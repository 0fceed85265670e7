"""The rig: builds what is missing, starts HQ on the host, boots the guest, installs Hymiö.

    python -m field.rig build   the image and gpio-sim.ko only (cached in .field/)
    python -m field.rig clean   remove .field/ (make field-clean)
    python -m field.rig up      everything up as for the checks, then wait (until Ctrl+C
                                or SIGTERM) with the guest's ssh command printed, to poke

``make field`` runs the checks (field/test_*.py), whose session fixture is :func:`rig`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from field.guest import HOST_FROM_GUEST, Guest, free_port
from field.image import (
    FIELD,
    REPO,
    build_gpio_sim,
    build_rootfs,
    kernel_files,
    log,
    make_disk,
    nice,
    run,
    ssh_key,
    stamp,
)

STORE = "field"
PI_FILES = Path(__file__).resolve().parent / "pi"


def build() -> tuple[Path, Path, Path]:
    """The base disk, the kernel and the initramfs (each stage only when not cached)."""
    ssh_key()
    root = build_rootfs()
    build_gpio_sim(root)
    kernel, initrd, _version = kernel_files(root)
    disk = FIELD / "base.img"
    if not (stamp("disk").exists() and disk.exists()):
        make_disk(root, disk)
        stamp("disk").write_text("ok\n")
    # the guest boots these; copies readable without the root folder's permissions
    shutil.copy(kernel, FIELD / "vmlinuz")
    shutil.copy(initrd, FIELD / "initrd.img")
    return disk, FIELD / "vmlinuz", FIELD / "initrd.img"


def build_wheels() -> tuple[Path, Path]:
    """This checkout's wheel (as ``make dist`` builds it), and its dependencies' wheels for
    the guest's Python 3.11 on x86-64, so pip in the guest needs no index."""
    dist = FIELD / "dist"
    shutil.rmtree(dist, ignore_errors=True)
    run(nice([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)]),
        stdout=subprocess.DEVNULL)  # fmt: skip
    wheel = next(dist.glob("hymio-*.whl"))
    wheels = FIELD / "wheels"
    wheels.mkdir(exist_ok=True)
    for old in wheels.glob("hymio-*.whl"):
        old.unlink()
    run(nice([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:",
              "--dest", str(wheels), f"hymio[pi] @ {wheel.as_uri()}"]))  # fmt: skip
    return wheel, wheels


def checkout() -> Path:
    """The repository's files (git's list), as a clone would have them."""
    folder = FIELD / "checkout" / "hymio"
    shutil.rmtree(folder.parent, ignore_errors=True)
    folder.mkdir(parents=True)
    files = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, files):
        source = REPO / name
        if source.is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    return folder


class HQ:
    """``hymio hq serve`` on the host's 127.0.0.1, a fresh SQLite database each run."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="hq-", dir=FIELD))
        self.database = f"sqlite:///{self.folder / 'hq.db'}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.url_from_guest = f"http://{HOST_FROM_GUEST}:{self.port}"
        self.hymio(["add-store", "--id", STORE, "--name", "Field", "--timezone",
                    "Europe/Helsinki"])  # fmt: skip
        self.code = self.hymio(["enroll-code", "--store", STORE]).splitlines()[1].strip()
        self.reader = self.hymio(["add-token", "--name", "field"]).split()[-1]
        self.log = (self.folder / "hq.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hymio", "hq", "serve", "--database", self.database,
             "--port", str(self.port)],
            stdout=self.log, stderr=self.log,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(requests.ConnectionError):
                requests.get(f"{self.url}/healthz", timeout=2)
                break
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"HQ did not start: {self.folder / 'hq.log'}")
            time.sleep(0.3)

    def hymio(self, args: list[str]) -> str:
        return run([sys.executable, "-m", "hymio", "hq", *args[:1], "--database",
                    self.database, *args[1:]], capture_output=True, text=True,
                   timeout=120).stdout  # fmt: skip

    def received(self, device: str) -> int:
        """How many of *device*'s ratings HQ holds."""
        answer = requests.get(
            f"{self.url}/api/v1/devices/{device}/gaps",
            headers={"Authorization": f"Bearer {self.reader}"}, timeout=10,
        )  # fmt: skip
        answer.raise_for_status()
        return answer.json()["received"]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Rig:
    """What the checks get: the guest (installed, rebooted), HQ, and the times taken."""

    def __init__(self, guest: Guest, hq: HQ, times: dict[str, float], install_log: str = ""):
        self.guest, self.hq, self.times = guest, hq, times
        self.install_log = install_log  # what install-pi.sh printed


def install(guest: Guest, hq: HQ, wheel: Path, wheels: Path, source: Path) -> str:
    """deploy/install-pi.sh in the guest, as the docs say: the checkout, the built wheel,
    enrolment at HQ with a code; pip takes the wheels from a folder (no internet)."""
    guest.put(source, "/root")
    guest.put(wheels, "/root")
    for name in ("field-pi", "field-pi.service", "field-pi.conf", "60-field-gpio.rules"):
        guest.put(PI_FILES / name, "/root/field-pi")
    # Raspberry Pi OS has the gpio group (install-pi.sh adds it only where it is missing);
    # without it, the udev rule cannot give the chip to the group, and the kiosk that
    # install-pi.sh starts could not open the chip until the next boot.
    guest.ssh(
        "getent group gpio >/dev/null || groupadd --system gpio"
        " && install -m 0755 /root/field-pi/field-pi /usr/local/sbin/field-pi"
        " && install -m 0644 /root/field-pi/field-pi.service /etc/systemd/system/"
        " && install -m 0644 /root/field-pi/60-field-gpio.rules /etc/udev/rules.d/"
        " && install -D -m 0644 /root/field-pi/field-pi.conf"
        " /etc/systemd/system/hymio-kiosk.service.d/field-pi.conf"
        " && systemctl daemon-reload && systemctl enable --now field-pi.service"
    )
    out = guest.ssh(
        "cd /root/hymio && HYMIO_PIP_ARGS='--no-index --find-links /root/wheels'"
        f" deploy/install-pi.sh --wheel /root/wheels/{wheel.name}"
        f" --enroll {hq.url_from_guest} {hq.code}",
        timeout=900,
    ).stdout
    log("install-pi.sh:\n" + out)
    return out


@contextlib.contextmanager
def rig() -> Iterator[Rig]:
    """Everything up; everything stopped and killed at the end."""
    times: dict[str, float] = {}
    started = time.monotonic()
    disk, kernel, initrd = build()
    times["image (cached after the first run)"] = time.monotonic() - started
    mark = time.monotonic()
    wheel, wheels = build_wheels()
    source = checkout()
    shutil.copy(wheel, wheels / wheel.name)
    times["wheels"] = time.monotonic() - mark
    hq = HQ()
    guest = Guest(disk, kernel, initrd)
    try:
        guest.create_disk()
        guest.start()
        times["first boot to ssh"] = guest.wait_ssh()
        mark = time.monotonic()
        installed = install(guest, hq, wheel, wheels, source)
        times["install-pi.sh"] = time.monotonic() - mark
        guest.ssh("systemctl reboot", check=False, timeout=10)
        guest.wait_down()
        times["reboot to ssh"] = guest.wait_ssh()
        yield Rig(guest, hq, times, installed)
    finally:
        guest.kill()
        hq.stop()
        times["total"] = time.monotonic() - started
        report = "times: " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
        log(report)
        (FIELD / "last-run.txt").write_text(
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} {report}\n"
        )


def clean() -> None:
    if FIELD.exists():
        shutil.rmtree(FIELD)
    log(f"removed {FIELD}")


def up() -> None:
    """The rig as the checks get it, kept up for a person (or a helper) to poke over ssh."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the finally below still runs
    with rig() as ready:
        ssh = " ".join(ready.guest.ssh_cmd())
        log("times: " + ", ".join(f"{k} {v:.0f} s" for k, v in ready.times.items()))
        log(f"up: {ssh}\n  HQ {ready.hq.url} (token {ready.hq.reader}); monitor "
            f"{ready.guest.monitor}; Ctrl+C or SIGTERM stops it")  # fmt: skip
        while ready.guest.alive():
            time.sleep(5)


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.exit("field: the rig runs as root (debootstrap, chroot)")
    {"build": build, "clean": clean, "up": up}[sys.argv[1] if len(sys.argv) > 1 else "build"]()
