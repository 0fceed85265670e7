"""The guest's system: Debian bookworm amd64 by debootstrap, from Debian's packages only.

Everything is cached under ``.field/`` (ignored by git); a stage runs again only when its
stamp is missing, so a second ``make field`` starts at the boot. ``make field-clean``
removes the folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIELD = Path(os.environ.get("HYMIO_FIELD_DIR", REPO / ".field"))
MIRROR = os.environ.get("HYMIO_FIELD_MIRROR", "http://deb.debian.org/debian")
SUITE = "bookworm"

# What the guest is made of. The kiosk's own list (deploy/install-pi.sh installs the GL
# runtime; .ci/run names Mesa's llvmpipe) is here already, so the install in the guest,
# which has no internet, finds nothing left to download.
PACKAGES = [
    # a booting system: systemd as PID 1, udev (/dev/dri, /dev/input), logind (the
    # kiosk's PAM session on tty1), the kernel and its initramfs
    "systemd",
    "systemd-sysv",
    "udev",
    "dbus",
    "libpam-systemd",
    "linux-image-amd64",
    "initramfs-tools",
    "kmod",
    "iproute2",
    "procps",
    # the rig reaches the guest by ssh through QEMU's forwarded port
    "openssh-server",
    # Hymiö's virtual environment (install-pi.sh: python3 -m venv)
    "python3",
    "python3-venv",
    # install-pi.sh's GL runtime for Kivy's wheel, and Mesa (the software renderer on the
    # virtio GPU, as in .ci/run)
    "libgl1",
    "libegl1",
    "libgles2",
    "libgbm1",
    "libmtdev1",
    "libgl1-mesa-dri",
    "libegl-mesa0",
    # the checks read the kiosk's store
    "sqlite3",
]
DISK_SIZE = "4G"


def log(message: str) -> None:
    print(f"field: {message}", flush=True)


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:
    log("$ " + " ".join(cmd))
    return subprocess.run(cmd, check=True, **kwargs)


def nice(cmd: list[str]) -> list[str]:
    """*cmd* at a lower priority: the machine is shared."""
    return ["nice", "-n", "10", *cmd]


def stamp(name: str) -> Path:
    return FIELD / f"{name}.done"


def rootfs_dir() -> Path:
    return FIELD / "rootfs"


def ssh_key() -> Path:
    """The rig's own key pair (made once), the only way into the guest."""
    key = FIELD / "id_ed25519"
    if not key.exists():
        FIELD.mkdir(parents=True, exist_ok=True)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "hymio-field", "-f", str(key)])
    return key


def build_rootfs() -> Path:
    """Debootstrap the guest's root, configured to boot on QEMU and let the rig in."""
    root = rootfs_dir()
    if stamp("rootfs").exists():
        return root
    if root.exists():
        shutil.rmtree(root)
    (FIELD / "debs").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    run(
        nice(
            [
                "debootstrap",
                "--variant=minbase",
                "--arch=amd64",
                f"--include={','.join(PACKAGES)}",
                f"--cache-dir={FIELD / 'debs'}",
                SUITE,
                str(root),
                MIRROR,
            ]
        )
    )
    configure_rootfs(root)
    stamp("rootfs").write_text(f"{time.monotonic() - started:.0f} s\n")
    return root


def configure_rootfs(root: Path) -> None:
    """Host name, fstab, DHCP on the virtio NIC, a serial console, the rig's ssh key."""
    (root / "etc/hostname").write_text("field-kiosk\n")
    (root / "etc/hosts").write_text("127.0.0.1 localhost\n127.0.1.1 field-kiosk\n")
    (root / "etc/fstab").write_text("/dev/vda / ext4 rw,errors=remount-ro 0 1\n")
    network = root / "etc/systemd/network/20-wired.network"
    network.parent.mkdir(parents=True, exist_ok=True)
    network.write_text("[Match]\nName=en*\n\n[Network]\nDHCP=ipv4\n")
    chroot = ["chroot", str(root)]
    run([*chroot, "systemctl", "enable", "systemd-networkd.service", "serial-getty@ttyS0"])
    # root has no password: the serial console is for reading, ssh (key only) for the rig
    run([*chroot, "passwd", "-d", "root"])
    ssh = root / "root/.ssh"
    ssh.mkdir(mode=0o700, parents=True, exist_ok=True)
    (ssh / "authorized_keys").write_text(ssh_key().with_suffix(".pub").read_text())
    (ssh / "authorized_keys").chmod(0o600)
    # no waiting for a network that never comes up fully (no DNS, no internet)
    run([*chroot, "systemctl", "mask", "systemd-networkd-wait-online.service"])
    # apt in the guest has no mirror to reach; the lists came from the host
    (root / "etc/apt/sources.list").write_text(f"deb {MIRROR} {SUITE} main\n")


def kernel_files(root: Path) -> tuple[Path, Path, str]:
    """The guest kernel, its initramfs and its version (from the root's /boot)."""
    kernels = sorted((root / "boot").glob("vmlinuz-*"))
    if not kernels:
        raise RuntimeError(f"no kernel in {root}/boot: rebuild (make field-clean)")
    kernel = kernels[-1]
    version = kernel.name.removeprefix("vmlinuz-")
    return kernel, root / "boot" / f"initrd.img-{version}", version


def make_disk(root: Path, disk: Path) -> Path:
    """An ext4 disk image of *root* (mkfs.ext4 -d: no loop mount needed)."""
    disk.unlink(missing_ok=True)
    run(nice(["mkfs.ext4", "-q", "-F", "-L", "field", "-d", str(root), str(disk), DISK_SIZE]))
    return disk


def file_hash(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# gpio-sim: Debian's bookworm kernel is built without CONFIG_GPIO_SIM (and without
# CONFIG_IRQ_SIM, which it selects), so the rig builds drivers/gpio/gpio-sim.c and
# kernel/irq/irq_sim.c from Debian's linux-source-6.1 (the same upload as the guest's
# kernel) as one out-of-tree module against the guest kernel's headers, in the guest's
# root (chroot), then removes the compiler and the sources again.
GPIO_SIM_KBUILD = "obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n"
# irq_to_desc() is not exported to modules; generic_handle_irq() runs the same handler
# (irq_sim maps every interrupt with handle_simple_irq).
IRQ_SIM_PATCH = "s/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/"
BUILD_PACKAGES = ["gcc", "make", "xz-utils", "linux-source-6.1"]


def build_gpio_sim(root: Path) -> Path:
    """gpio-sim.ko for the guest kernel, installed in *root* (/lib/modules/…/extra)."""
    _kernel, _initrd, version = kernel_files(root)
    module = root / f"lib/modules/{version}/extra/gpio-sim.ko"
    if stamp("gpio-sim").exists() and module.exists():
        return module
    headers = f"linux-headers-{version}"
    chroot = ["chroot", str(root)]
    shutil.copy("/etc/resolv.conf", root / "etc/resolv.conf")
    try:
        run(nice([*chroot, "apt-get", "update", "-qq"]))
        run(
            nice(
                [
                    *chroot,
                    "apt-get",
                    "install",
                    "-y",
                    "-qq",
                    "--no-install-recommends",
                    headers,
                    *BUILD_PACKAGES,
                ]
            ),
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        work = root / "tmp/gpio-sim"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        tarball = next((root / "usr/src").glob("linux-source-6.1.tar.*"))
        members = ["drivers/gpio/gpio-sim.c", "drivers/gpio/gpiolib.h", "kernel/irq/irq_sim.c"]
        run(
            nice(
                [
                    "tar",
                    "-xf",
                    str(tarball),
                    "-C",
                    str(work),
                    "--strip-components=1",
                    *(f"linux-source-6.1/{m}" for m in members),
                ]
            )
        )
        src = work / "src"
        src.mkdir()
        shutil.copy(work / "drivers/gpio/gpio-sim.c", src / "gpio-sim-main.c")
        shutil.copy(work / "drivers/gpio/gpiolib.h", src / "gpiolib.h")
        shutil.copy(work / "kernel/irq/irq_sim.c", src / "irq_sim.c")
        run(["sed", "-i", IRQ_SIM_PATCH, str(src / "irq_sim.c")])
        (src / "Kbuild").write_text(GPIO_SIM_KBUILD)
        run(
            nice(
                [
                    *chroot,
                    "make",
                    "-s",
                    "-C",
                    f"/usr/src/linux-headers-{version}",
                    "M=/tmp/gpio-sim/src",
                    "modules",
                ]
            )
        )
        module.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src / "gpio-sim.ko", module)
        run([*chroot, "depmod", version])
        shutil.rmtree(work)
        run(
            nice(
                [*chroot, "apt-get", "purge", "-y", "-qq", "--autoremove", headers, *BUILD_PACKAGES]
            ),
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        run([*chroot, "apt-get", "clean"])
    finally:
        (root / "etc/resolv.conf").unlink(missing_ok=True)
    stamp("gpio-sim").write_text(f"{version}\n")
    return module
