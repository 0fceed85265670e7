"""A system's root folder made from this machine, as an image's root file system is to
``deploy/install-pi.sh --root``: its own /etc, /opt, /var and /usr/local, and this
machine's programs and libraries (/usr) and Python, mounted read-only into it in a private
mount namespace while a command runs. What the script installs there is at its final
paths, and runs there by chroot, as it would on the Pi."""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

SYSTEM = ("usr/bin", "usr/sbin", "usr/lib", "usr/lib64", "usr/libexec", "usr/share",
          "etc/alternatives", "etc/ssl")  # fmt: skip
MERGED = {"bin": "usr/bin", "sbin": "usr/sbin", "lib": "usr/lib", "lib64": "usr/lib64"}
GETTY = "etc/systemd/system/getty.target.wants/getty@tty1.service"


def python_home() -> Path:
    """The folder of the Python the tests run on (the virtual environments' base)."""
    return Path(getattr(sys, "_base_executable", sys.executable)).resolve().parents[1]


def base_python() -> str:
    return str(Path(getattr(sys, "_base_executable", sys.executable)).resolve())


def new_root(folder: Path) -> Path:
    """A root folder with what a fresh Raspberry Pi OS has that the script reads."""
    etc = folder / "etc"
    etc.mkdir(parents=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (etc / "group").write_text("root:x:0:\nvideo:x:44:\n")  # gpio, input, render: made
    (etc / "shadow").write_text("root:*:19000:0:99999:7:::\n")
    (etc / "gshadow").write_text("root:*::\nvideo:*::\n")
    (etc / "hostname").write_text("till-3\n")
    if Path("/etc/login.defs").is_file():
        shutil.copy("/etc/login.defs", etc / "login.defs")
    # systemd's own units, so that `verify --root` finds multi-user.target and the rest.
    shutil.copytree("/usr/lib/systemd/system", folder / "usr/lib/systemd/system", symlinks=True)
    getty = folder / GETTY
    getty.parent.mkdir(parents=True)
    getty.symlink_to("/usr/lib/systemd/system/getty@.service")  # a login prompt on tty1
    for name, target in MERGED.items():
        (folder / name).symlink_to(target)
    for mount_point in (*SYSTEM, "dev", "proc", "sys", "root", "usr/local"):
        (folder / mount_point).mkdir(parents=True, exist_ok=True)
    (folder / "tmp").mkdir(mode=0o1777)
    (folder / "tmp").chmod(0o1777)
    return folder


def mounted(
    root: Path,
    command: list[str],
    *,
    shared: tuple[Path, ...] = (),
    writable: tuple[str, ...] = (),
    chroot: bool = False,
    cwd: str = "/",
) -> list[str]:
    """*command* in a private mount namespace where *root* has this machine's system
    folders and Python (read-only) and the *shared* folders at their own paths; with
    *chroot*, run inside *root* (at *cwd*), read-only but for *writable* (paths as seen
    inside it) and the shared ones, with /dev, /proc and /sys."""
    q = lambda path: shlex.quote(str(path))  # noqa: E731
    inside = lambda path: root / str(path).lstrip("/")  # noqa: E731
    system = [(Path("/") / d, root / d) for d in SYSTEM if (Path("/") / d).exists()]
    system.append((python_home(), inside(python_home())))
    targets = [t for _, t in system] + [inside(f) for f in (*shared, *writable)]
    steps = [f"mkdir -p {' '.join(q(t) for t in targets)}"]
    if chroot:
        steps.append(f"mount --bind {q(root)} {q(root)}")
        steps += [f"mount --bind {q(inside(f))} {q(inside(f))}" for f in writable]
        steps.append(f"mount -o remount,bind,ro {q(root)}")
    for source, target in system:
        steps.append(f"mount --bind {q(source)} {q(target)}")
        steps.append(f"mount -o remount,bind,ro {q(target)}")
    steps += [f"mount --bind {q(f)} {q(inside(f))}" for f in shared]
    if chroot:
        steps += [f"mount --rbind /{fs} {q(root / fs)}" for fs in ("dev", "proc", "sys")]
        enter = shlex.quote(f'cd {shlex.quote(cwd)} && exec "$@"')
        chroot_program = shutil.which("chroot") or "/usr/sbin/chroot"  # in sbin, off some PATHs
        steps.append(f'exec {q(chroot_program)} {q(root)} sh -c {enter} sh "$@"')
    else:
        steps.append('exec "$@"')
    script = "\n".join(steps)
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec", script, "sh", *command]
