"""``hymio doctor``'s checks of the machine around the kiosk: the display, the touch
input, the system libraries its window loads, the systemd units (when they are
installed), and a card whose writes are thrown away at reboot.

The display check reads the kernel's DRM connectors (``/sys/class/drm/card*-*/status``):
the kiosk draws with SDL2's KMS/DRM backend, so a connected connector and a DRM device
the kiosk's user may open are what it needs. Paths hang off ``ctx.root`` so tests can
build a fake ``/sys`` and ``/dev``.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

from hymio import drm
from kiosk.doctor import FAIL, OK, WARN, Context, Finding

UNITS = ("hymio-kiosk.service", "hymio-sync.service")
SYSTEMCTL = "systemctl"
PROPERTIES = "LoadState,ActiveState,SubState,Result,UnitFileState,NRestarts"

NO_KMS = (
    "on a Raspberry Pi, keep dtoverlay=vc4-kms-v3d in /boot/firmware/config.txt; "
    "elsewhere run doctor on the kiosk itself"
)


def journal_command(name: str) -> str:
    """The command that shows a unit's own log lines. By identifier, not by unit (``-u``):
    the kiosk's process lives in its login session's scope, where ``-u`` misses it."""
    return f"journalctl -t {name} -b"


# The libraries Kivy's wheel loads from the system, by soname, and the Debian package of
# each (deploy/install-pi.sh installs them): without libGL no window opens at all.
LIBRARIES = {
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libGLESv2.so.2": "libgles2",
    "libgbm.so.1": "libgbm1",
    "libmtdev.so.1": "libmtdev1",
}


def check_libraries(ctx: Context, libraries: dict[str, str] | None = None) -> list[Finding]:
    """Each system library the kiosk's window needs loads, as Kivy and SDL load it."""
    missing = []
    for soname, package in (libraries or LIBRARIES).items():
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append((soname, package))
    if not missing:
        return [
            Finding("libraries", OK, f"the window's {len(libraries or LIBRARIES)} libraries load")
        ]
    names = ", ".join(soname for soname, _ in missing)
    packages = " ".join(package for _, package in missing)
    return [
        Finding(
            "libraries",
            FAIL,
            f"the kiosk cannot open its window: {names} cannot be loaded",
            f"sudo apt-get install {packages} (deploy/install-pi.sh installs them)",
        )
    ]


def check_display(ctx: Context) -> list[Finding]:
    """A screen is connected, and its DRM device can be opened; touch input is readable."""
    root = ctx.root
    connectors = sorted((root / "sys/class/drm").glob("card*-*/status"))
    found: list[Finding] = []
    if not connectors:
        desktop = os.environ.get("WAYLAND_DISPLAY") or os.environ.get("DISPLAY")
        if desktop:
            found.append(Finding("display", OK, f"a desktop session ({desktop})"))
        else:
            found.append(Finding("display", WARN, "no display hardware found (no DRM)", NO_KMS))
    else:
        # A connector's folder is CARD-PORT, e.g. card1-HDMI-A-1.
        ports = [(*p.parent.name.split("-", 1), p.read_text().strip()) for p in connectors]
        connected = [(card, port) for card, port, state in ports if state == "connected"]
        if not connected:
            listed = ", ".join(f"{port} {state}" for _, port, state in ports)
            found.append(
                Finding(
                    "display",
                    FAIL,
                    f"no screen is connected ({listed})",
                    "check the display's cable and power, then restart the kiosk",
                )
            )
        for card_name, port in connected:
            card = root / "dev/dri" / card_name
            if os.access(card, os.R_OK | os.W_OK):
                found.append(Finding("display", OK, f"{port} connected ({card})"))
            else:
                found.append(
                    Finding(
                        "display",
                        FAIL,
                        f"{port} is connected but {card} cannot be opened",
                        "add the kiosk's user to the video and render groups "
                        "(deploy/install-pi.sh does)",
                    )
                )
    if connectors and any(f.level == OK for f in found if f.check == "display"):
        found.append(_screen_choice(ctx))
    found += _check_input(root)
    return found


def _screen_choice(ctx: Context) -> Finding:
    """Which card SDL will open for ``[device] display`` (SDL_KMSDRM_DEVICE_INDEX)."""
    wanted = ctx.settings.device.display
    choice = drm.choose(wanted, ctx.root)
    if choice.problem:
        ports = [p for ps in drm.connectors(ctx.root).values() for p, s in ps if s == "connected"]
        return Finding(
            "display",
            FAIL,
            f"[device] display = {wanted!r}: {choice.problem}",
            f"set [device] display to auto or a connected connector ({', '.join(ports) or 'none'})",
        )
    return Finding(
        "display", OK, f"the kiosk draws on {choice.card} ({', '.join(choice.connectors)})"
    )


def _check_input(root: Path) -> list[Finding]:
    events = sorted((root / "dev/input").glob("event*"))
    if not events:
        return []  # buttons-only kiosks and desktops need none
    readable = [e for e in events if os.access(e, os.R_OK)]
    if readable:
        return [Finding("touch", OK, f"{len(readable)} input device(s) readable")]
    return [
        Finding(
            "touch",
            WARN,
            f"none of the {len(events)} input devices can be read: touches will not arrive",
            "add the kiosk's user to the input group (deploy/install-pi.sh does)",
        )
    ]


def check_overlay(ctx: Context) -> list[Finding]:
    """The database is not on a file system that forgets its writes at reboot (an
    overlay on tmpfs, as raspi-config's read-only overlay makes)."""
    try:
        mounts = (ctx.root / "proc/mounts").read_text().splitlines()
    except OSError:
        return []
    path = str(ctx.settings.storage.path.resolve())
    best = ("", "")
    for line in mounts:
        fields = line.split()
        if len(fields) >= 3 and _under(path, fields[1]) and len(fields[1]) > len(best[0]):
            best = (fields[1], fields[2])
    point, kind = best
    if kind not in VOLATILE:
        return [Finding("storage", OK, f"{path} is kept on {kind or 'disk'} ({point or '/'})")]
    return [
        Finding(
            "storage",
            FAIL,
            f"{path} is on a {kind} mount at {point}: every rating not yet at HQ is lost at "
            "each reboot (HQ shows them as not received)",
            "turn the read-only overlay off for the card (`sudo raspi-config nonint "
            "disable_overlayfs`, then reboot), or put [storage] path on a writable mount",
        )
    ]


VOLATILE = ("overlay", "tmpfs", "ramfs")


def _under(path: str, point: str) -> bool:
    return point == "/" or path == point or path.startswith(point.rstrip("/") + "/")


def check_units(ctx: Context) -> list[Finding]:
    """The state of hymio-kiosk and hymio-sync, where systemd runs them."""
    if shutil.which(SYSTEMCTL) is None:
        return []
    found: list[Finding] = []
    for unit in UNITS:
        try:
            done = subprocess.run(  # noqa: S603 -- fixed arguments
                [SYSTEMCTL, "show", unit, f"--property={PROPERTIES}"],
                capture_output=True, text=True, timeout=10,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return []
        if done.returncode != 0:  # systemd is not running here (a container, a desktop)
            return []
        state = dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)
        if state.get("LoadState") != "loaded":
            continue  # not installed here
        found.append(_unit_finding(unit, state))
    return found


def _unit_finding(unit: str, state: dict[str, str]) -> Finding:
    name = unit.removesuffix(".service")
    active, sub = state.get("ActiveState", "?"), state.get("SubState", "?")
    enabled = state.get("UnitFileState", "?")
    restarts = int(state.get("NRestarts", "0") or 0)
    text = f"{name}: {active} ({sub}), {enabled}, restarted {restarts} time(s)"
    journal = f"read `{journal_command(name)}` for why"
    if active == "failed":
        result = state.get("Result", "?")
        return Finding(
            "units", FAIL, f"{text}; result {result}",
            f"{journal}, fix it, then `sudo systemctl restart {name}`",
        )  # fmt: skip
    if active != "active":
        fix = f"`sudo systemctl enable --now {name}`"
        return Finding("units", FAIL if enabled != "enabled" else WARN, text, fix)
    if restarts >= 3:
        return Finding("units", WARN, text, journal + " (it keeps restarting)")
    if enabled != "enabled":
        return Finding("units", WARN, text, f"`sudo systemctl enable {name}` so it starts at boot")
    return Finding("units", OK, text)
