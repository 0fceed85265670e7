"""The arm64 smoke check: the Pi's install in a Debian bookworm arm64 root, under qemu-user.

    python -m field.arm64          build what is missing, install, check (make field-arm64)

A Raspberry Pi runs arm64 binaries: Kivy's and lgpio's aarch64 wheels and Debian's arm64
libraries. This check catches a wheel that does not exist for aarch64, or a system library
the kiosk needs that is missing on that architecture, before a store does. The root is
made by debootstrap and entered by chroot; the kernel runs its arm64 programs through
binfmt_misc and qemu-aarch64-static (Debian's qemu-user-static). No systemd runs in it:
deploy/install-pi.sh installs with --root as it does into an image.

The checks, in order: install-pi.sh's install (and enrolment at an HQ on 127.0.0.1),
``hymio doctor``, the kiosk offscreen (question screen drawn, a button press stored),
``hymio sync --once`` to that HQ, and the same kiosk with libGL.so.1 hidden, which must
fail and name the library. Runs as root; the root is cached in .field/arm64/.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from field.image import FIELD, MIRROR, REPO, SUITE, log, nice, run
from field.rig import HQ  # the field rig's: hymio hq serve on 127.0.0.1, a store, a code

HERE = FIELD / "arm64"
ROOT = HERE / "rootfs"
DEVICE = "arm64-kiosk"  # the root's host name: install-pi.sh makes it the device id
LIBDIR = "usr/lib/aarch64-linux-gnu"
BROKEN = "libGL.so.1"  # hidden for the check that must fail
BINFMT = Path("/proc/sys/fs/binfmt_misc")
# What the Pi has for the kiosk: Python's venv, install-pi.sh's GL runtime (libgl1 …
# libmtdev1), Mesa (software rendering offscreen), sqlite3. systemd is installed (not
# running) so that install-pi.sh's systemctl enable works offline, as in an image.
PACKAGES = [
    "python3",
    "python3-venv",
    "libgl1",
    "libegl1",
    "libgles2",
    "libgbm1",
    "libmtdev1",
    "libgl1-mesa-dri",
    "libegl-mesa0",
    "sqlite3",
    "systemd",
]
# pip download's platforms: Python 3.11 on glibc 2.36 (bookworm), aarch64. lgpio's
# wheel is manylinux_2_34, Kivy's manylinux2014 (2_17).
PLATFORMS = [f"manylinux_2_{minor}_aarch64" for minor in range(17, 37)] + ["linux_aarch64"]
MISSING_LIB = re.compile(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file")


def stamp(name: str) -> Path:
    return HERE / f"{name}.done"


def binfmt() -> str:
    """binfmt_misc mounted and qemu-aarch64 registered; how (for the report)."""
    if not (BINFMT / "register").exists():
        run(["mount", "-t", "binfmt_misc", "binfmt_misc", str(BINFMT)])
    entry = BINFMT / "qemu-aarch64"
    if not entry.exists():
        if not shutil.which("update-binfmts"):
            sys.exit("field: apt-get install -y qemu-user-static binfmt-support (Debian)")
        run(["update-binfmts", "--enable", "qemu-aarch64"])
    text = entry.read_text()
    if not text.startswith("enabled"):
        sys.exit(f"field: {entry} is not enabled: update-binfmts --enable qemu-aarch64")
    return next(line for line in text.splitlines() if line.startswith("interpreter"))


def build_root() -> Path:
    """Debootstrap the arm64 root (cached); its second stage runs under qemu-user."""
    if stamp("rootfs").exists():
        return ROOT
    if ROOT.exists():
        shutil.rmtree(ROOT)
    (HERE / "debs").mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    run(nice(["timeout", "3600", "debootstrap", "--variant=minbase", "--arch=arm64",
              f"--include={','.join(PACKAGES)}", f"--cache-dir={HERE / 'debs'}",
              SUITE, str(ROOT), MIRROR]))  # fmt: skip
    (ROOT / "etc/hostname").write_text(f"{DEVICE}\n")
    (ROOT / "etc/hosts").write_text(f"127.0.0.1 localhost\n127.0.1.1 {DEVICE}\n")
    stamp("rootfs").write_text(f"{time.monotonic() - started:.0f} s\n")
    return ROOT


def build_wheels() -> Path:
    """This checkout's wheel (as ``make dist``) and the ``pi`` extra's wheels for Python
    3.11 on aarch64, binary only, in the root's /root/wheels (pip there needs no index)."""
    wheels = ROOT / "root/wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    dist = Path(tempfile.mkdtemp(prefix="dist-", dir=HERE))
    run(nice(["timeout", "600", sys.executable, "-m", "build", "--wheel", "--outdir", str(dist),
              str(REPO)]),
        stdout=subprocess.DEVNULL)  # fmt: skip
    wheel = next(dist.glob("hymio-*.whl"))
    platforms = [arg for p in PLATFORMS for arg in ("--platform", p)]
    run(nice(["timeout", "900", sys.executable, "-m", "pip", "download", "--quiet",
              "--only-binary", ":all:",
              *platforms, "--python-version", "3.11", "--implementation", "cp",
              "--abi", "cp311", "--dest", str(wheels),
              f"hymio[pi] @ {wheel.as_uri()}"]))  # fmt: skip
    shutil.move(wheel, wheels / wheel.name)
    shutil.rmtree(dist)
    return wheels / wheel.name


def in_root(command: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """*command* (bash) in the root, with /dev and /proc in a private mount namespace that
    goes with it; no /sys: no display hardware, as doctor sees a machine without a Pi's."""
    log(f"[arm64] $ {command}")
    script = (
        'r=$1; shift; mount --rbind /dev "$r/dev"; mount -t proc proc "$r/proc";'
        ' exec chroot "$r" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root'
        ' LANG=C.UTF-8 /bin/bash -c "$1"'
    )
    done = subprocess.run(
        ["timeout", "--kill-after=10", str(timeout), "unshare", "--mount", "--propagation",
         "private", "--", "bash", "-euc", script, "in-root", str(ROOT), command],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    print(done.stdout + done.stderr, flush=True)
    return done


def fresh(root: Path) -> None:
    """A cached root without the last run's install, settings and ratings, and with a
    library hidden by an interrupted run put back."""
    for hidden in (root / LIBDIR).glob("*.hidden"):
        hidden.rename(hidden.with_name(hidden.name.removesuffix(".hidden")))
    for leftover in ("opt/hymio", "etc/hymio", "var/lib/hymio", "root/arm64-out"):
        shutil.rmtree(root / leftover, ignore_errors=True)


def install(wheel: Path, hq: HQ) -> str:
    """deploy/install-pi.sh --root, as into a Pi's image: the built wheel, pip from the
    wheels folder, enrolment at HQ with the code."""
    # pip in the root takes only the wheels folder: none of this machine's pip settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["HYMIO_PIP_ARGS"] = "--no-index --find-links /root/wheels"
    done = subprocess.run(
        ["timeout", "1200", str(REPO / "deploy/install-pi.sh"), "--root", str(ROOT),
         "--wheel", str(wheel), "--enroll", hq.url, hq.code],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    out = done.stdout + done.stderr
    log("install-pi.sh:\n" + out)
    assert done.returncode == 0, f"install-pi.sh failed ({done.returncode})"
    assert "hymio install: done" in out
    return out


def doctor(options: str = "") -> str:
    """``hymio doctor``: it reports, and does not crash."""
    done = in_root(f"hymio doctor {options}", timeout=300)
    out = done.stdout + done.stderr
    assert "Traceback" not in out, f"hymio doctor {options} crashed"
    assert re.search(r"\d+ problem\(s\), \d+ warning\(s\)", out), "hymio doctor did not finish"
    return out


def doctors() -> None:
    """doctor on gpiozero's mock pins (every check passes that can without a Pi), and on
    lgpio's, as the kiosk runs: lgpio's aarch64 library loads, and finds no Pi's chip."""
    simulated = doctor("--simulate")
    assert "0 problem(s)" in simulated, simulated
    real = doctor()
    assert "lgpio could not open the GPIO chip" in real, real


def kiosk() -> tuple[dict, Path, str]:
    """The kiosk offscreen: its probe's findings, its screenshot, its output."""
    shutil.copy(REPO / "field/arm64_probe.py", ROOT / "root/arm64_probe.py")
    out_dir = ROOT / "root/arm64-out"
    shutil.rmtree(out_dir, ignore_errors=True)
    done = in_root("/opt/hymio/current/bin/python /root/arm64_probe.py"
                   " /etc/hymio/kiosk.toml /root/arm64-out", timeout=600)  # fmt: skip
    output = done.stdout + done.stderr
    if done.returncode != 0 or not (out_dir / "probe.json").exists():
        missing = sorted(set(MISSING_LIB.findall(output)))
        named = f": missing {', '.join(missing)} on arm64" if missing else ""
        raise AssertionError(f"the kiosk did not run offscreen (exit {done.returncode}){named}")
    return json.loads((out_dir / "probe.json").read_text()), out_dir / "question.png", output


def check_screenshot(probe: dict, shot: Path) -> int:
    """The question screen with its faces drawn: many colours in the shot, and in each
    face's box mostly the face (not the background), each face in its own colour."""
    from PIL import Image

    with Image.open(shot) as image:
        pixels = image.convert("RGB")
    colours = len(pixels.getcolors(maxcolors=1 << 24) or [])
    assert colours > 50, f"the screenshot is blank or nearly ({colours} colours)"
    assert len(probe["faces"]) == 4, probe  # smiley4, the example settings' scale
    background = pixels.getpixel((1, 1))
    fills = set()
    for x, y, w, h in probe["faces"]:
        face = pixels.crop((x, pixels.height - y - h, x + w, pixels.height - y))  # Kivy: y up
        counts = sorted(face.getcolors(maxcolors=1 << 24) or [], reverse=True)
        drawn = sum(n for n, colour in counts if colour != background) / (w * h)
        assert drawn > 0.5, f"no face drawn at {(x, y, w, h)} ({drawn:.0%} drawn)"
        assert len(counts) >= 3, f"a face without features at {(x, y, w, h)}: {counts}"
        fills.add(next(colour for _n, colour in counts if colour != background))
    assert len(fills) == 4, f"the faces are not each in their own colour: {fills}"
    return colours


def half_size(shot: Path, page: Path) -> None:
    """The screenshot at half size for the docs' page (docs/build-a-kiosk/arm64-check.md)."""
    from PIL import Image

    with Image.open(shot) as image:
        image.convert("RGB").resize((image.width // 2, image.height // 2)).save(page, optimize=True)


def broken_kiosk() -> str:
    """The kiosk with libGL.so.1 hidden must fail, naming the library; it is put back."""
    lib = next((ROOT / LIBDIR).glob(f"{BROKEN}*"))
    real = lib.resolve()
    aside = real.with_name(real.name + ".hidden")
    real.rename(aside)
    try:
        try:
            kiosk()
        except AssertionError as exc:
            message = str(exc)
        else:
            raise AssertionError(f"the kiosk ran without {BROKEN}: this check cannot fail")
        assert BROKEN in message, f"the failure does not name {BROKEN}: {message}"
        out = doctor("--simulate")  # doctor reports it, naming the library
        assert f"the kiosk cannot open its window: {BROKEN} cannot be loaded" in out, out
        return message
    finally:
        aside.rename(real)


def main() -> int:
    if os.geteuid() != 0:
        sys.exit("field: the arm64 check runs as root (debootstrap, chroot): sudo make field-arm64")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # the finally blocks still run
    times: dict[str, float] = {}
    started = mark = time.monotonic()
    interpreter = binfmt()
    build_root()
    times["root (cached after the first run)"] = time.monotonic() - mark
    mark = time.monotonic()
    wheel = build_wheels()
    times["wheels"] = time.monotonic() - mark
    fresh(ROOT)
    hq = HQ()
    try:
        mark = time.monotonic()
        install(wheel, hq)
        times["install-pi.sh"] = time.monotonic() - mark
        mark = time.monotonic()
        doctors()
        times["doctor"] = time.monotonic() - mark
        mark = time.monotonic()
        probe, shot, _ = kiosk()
        assert probe.get("screen") == "question", probe
        assert probe["rows_after"] == probe["rows_before"] + 1, probe
        assert probe["last"] == [probe["pressed"], "button"], probe
        colours = check_screenshot(probe, shot)
        half_size(shot, REPO / "docs/images/arm64-kiosk.png")
        times["kiosk"] = time.monotonic() - mark
        mark = time.monotonic()
        synced = in_root("hymio sync --once --json --config /etc/hymio/kiosk.toml", timeout=300)
        report = json.loads(synced.stdout.strip().splitlines()[-1])
        assert report["ok"], report
        assert report["sent"] >= 1, report
        assert hq.received(DEVICE) == probe["rows_after"], "HQ did not get the ratings"
        times["sync"] = time.monotonic() - mark
        mark = time.monotonic()
        failed = broken_kiosk()
        times[f"kiosk without {BROKEN}"] = time.monotonic() - mark
    finally:
        hq.stop()
    times["total"] = time.monotonic() - started
    summary = ", ".join(f"{k} {v:.0f} s" for k, v in times.items())
    log(f"arm64: binfmt {interpreter}; screenshot {colours} colours; HQ received "
        f"{probe['rows_after']}; without {BROKEN}: {failed}")  # fmt: skip
    log(f"arm64: all checks passed; times: {summary}")
    (HERE / "last-run.txt").write_text(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} times: {summary}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
