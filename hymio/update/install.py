"""Install a checked release beside the running one, and check it before the switch.

The release becomes a virtual environment of its own, filled only from its checked files:
``pip install --no-index --find-links FILES --require-hashes -r requirements.txt`` (pip's
own configuration is ignored, so nothing but those files can come in, and every hash must
match). Then ``hymio --version`` from it must say the release's version, and ``hymio
doctor`` from it must accept the settings and find no problem the running release's doctor
does not find too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from hymio.update import InstallError
from hymio.update.slots import Slots
from kiosk.releases.manifest import REQUIREMENTS, Manifest

PIP_TIMEOUT = 1800
DOCTOR_TIMEOUT = 120
LOW_DISK = 100 * 2**20  # less free after a failed install: the disk is the cause


def base_python() -> str:
    """The interpreter the releases' virtual environments are made with (the running
    one's own, not a virtual environment's link to it)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def install(slots: Slots, manifest: Manifest, files: Path, manifest_sha256: str) -> Path:
    """Release *manifest* installed from *files* into its folder; the folder."""
    version = manifest.version
    folder = slots.folder(version)
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if manifest.python != running:
        raise InstallError(
            f"release {version} is built for Python {manifest.python}, not {running}"
        )
    if slots.installed(version):
        return folder
    shutil.rmtree(folder, ignore_errors=True)  # a half-made one of an earlier try
    folder.parent.mkdir(parents=True, exist_ok=True)
    # Only the release's files: none of pip's settings (an index, more find-links) apply.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_CACHE_DIR="1")
    steps = [
        [base_python(), "-m", "venv", str(folder)],
        [str(folder / "bin/python"), "-m", "pip", "install", "--quiet", "--no-index",
         "--find-links", str(files), "--require-hashes", "-r", str(files / REQUIREMENTS)],
    ]  # fmt: skip
    for command in steps:
        try:
            done = subprocess.run(  # noqa: S603 -- our own commands
                command, capture_output=True, text=True, env=env, timeout=PIP_TIMEOUT
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            shutil.rmtree(folder, ignore_errors=True)
            raise InstallError(f"installing release {version} failed: {e}") from None
        if done.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            said = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])[-400:]
            free = shutil.disk_usage(folder.parent).free
            if free < LOW_DISK:  # pip and venv say it in many ways, or not at all
                said = (
                    f"the disk holding {folder.parent} is full ({free // 2**20} MB free); free"
                    f" some space and run hymio update --now ({said[-200:]})"
                )
            raise InstallError(f"installing release {version} failed: {said}")
    said = _run(folder, "--version").stdout.split()
    if said[-1:] != [version]:
        shutil.rmtree(folder, ignore_errors=True)
        raise InstallError(f"release {version}'s hymio says it is {' '.join(said) or 'nothing'}")
    slots.mark(version, manifest_sha256)
    return folder


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(  # noqa: S603 -- the release's own hymio
            [str(folder / "bin/hymio"), *args], capture_output=True, text=True,
            timeout=DOCTOR_TIMEOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as e:
        return subprocess.CompletedProcess([], 1, "", str(e))


def doctor_problems(folder: Path, config: Path) -> tuple[int, set[str]]:
    """``hymio doctor`` of the release in *folder*: its exit code and the checks it failed."""
    done = _run(folder, "doctor", "--config", str(config))
    failed = {line.split()[1] for line in done.stdout.splitlines() if line.startswith("FAIL ")}
    if done.returncode not in (0, 1) or (done.returncode == 1 and not failed):
        failed.add(f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1]}")
    return done.returncode, failed


def check_doctor(new: Path, old: Path | None, config: Path) -> None:
    """InstallError if the new release's doctor refuses the settings or breaks, or fails a
    check the running release's doctor passes (a first install has none to compare)."""
    code, problems = doctor_problems(new, config)
    broke = sorted(p for p in problems if p.startswith("exit "))
    if code == 2 or broke:
        raise InstallError(f"hymio doctor of the new release: {broke[0] if broke else problems}")
    known = doctor_problems(old, config)[1] if old is not None else problems
    worse = sorted(problems - known)
    if worse:
        raise InstallError(f"hymio doctor of the new release fails: {', '.join(worse)[:400]}")
