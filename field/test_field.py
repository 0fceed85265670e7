"""The kiosk as a Pi runs it: booted by systemd in a QEMU guest, installed by
deploy/install-pi.sh, drawing on a DRM card, reading buttons from a GPIO chip (gpio-sim).

Run by ``make field`` only (pyproject's testpaths is tests/: ``make test`` never sees these).
The checks run in this file's order: the press comes before the sync that delivers it.
"""

from __future__ import annotations

import time
from pathlib import Path

from field.image import FIELD, REPO
from field.rig import Rig
from hymio.doctor_system import journal_command

DEVICE = "field-kiosk"  # the guest's host name: install-pi.sh makes it the device id
DB = "/var/lib/hymio/ratings.db"
IMAGES = REPO / "docs/images"


def eventually(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout:.0f} s: {what}"
        time.sleep(1)


def png_colours(path: Path) -> int:
    """How many different colours a screenshot has (a blank screen has one, the text
    console two or three)."""
    from PIL import Image  # in make field's virtual environment (Kivy and WeasyPrint need it)

    with Image.open(path) as image:
        return len(image.convert("RGB").getcolors(maxcolors=1 << 24) or [])


def drawn(rig: Rig, name: str) -> bool:
    """Whether the screen shows more than a console (a screendump to .field/*name*)."""
    shot = rig.guest.screendump(FIELD / name)
    return shot.exists() and png_colours(shot) > 8


def small(shot: Path, page: Path) -> None:
    """The screenshot at half size for the docs' page (docs/build-a-kiosk/field-rig.md)."""
    from PIL import Image

    with Image.open(shot) as image:
        image.convert("RGB").resize((image.width // 2, image.height // 2)).save(page, optimize=True)


def sql(rig: Rig, query: str) -> str:
    return rig.guest.ssh(f"sqlite3 {DB} {query!r}").stdout.strip()


def sim_line(rig: Rig, line: int, attribute: str) -> str:
    return f"/sys/devices/platform/gpio-sim.*/gpiochip*/sim_gpio{line}/{attribute}"


def test_the_install_starts_the_units(rig: Rig):
    # install-pi.sh starts (restarts) both units at its end, before any reboot
    assert "hymio install: done" in rig.install_log, rig.install_log
    assert "did not start" not in rig.install_log, rig.install_log


def test_the_units_start_at_boot_with_nobody_logged_in(rig: Rig):
    guest = rig.guest
    units = "hymio-kiosk.service hymio-sync.service hymio-update.timer"

    def states() -> list[str]:
        return guest.ssh(f"systemctl is-active {units}", check=False).stdout.split()

    # Both are Type=notify: active once the window is up and the scheduler runs (slow
    # under TCG), and never "failed" on the way.
    started = time.monotonic()
    while (now := states()) != ["active"] * 3:
        status = "systemctl status 'hymio*' --no-pager"
        assert "failed" not in now, guest.ssh(status, check=False).stdout
        assert time.monotonic() - started < 400, guest.ssh(status, check=False).stdout
        time.sleep(3)
    rig.times["units active after ssh"] = time.monotonic() - started
    # The sessions are the kiosk's own on tty1 (its unit's PAM session) and the rig's ssh.
    listing = guest.ssh(
        "for s in $(loginctl list-sessions --no-legend | awk '{print $1}'); do"
        " loginctl show-session $s -p Name -p Service -p TTY; echo; done"
    ).stdout
    sessions = [
        dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
        for block in listing.split("\n\n")
        if block.strip()
    ]
    others = [(s["Name"], s["Service"], s["TTY"]) for s in sessions if s.get("Service") != "sshd"]
    assert others == [("hymio", "login", "tty1")], sessions


def kiosk_journal(rig: Rig) -> str:
    """What the kiosk logged in this boot, read with the command ``hymio doctor`` and the
    troubleshooting page give (by the unit's SyslogIdentifier=: see
    :func:`test_the_kiosks_own_lines_are_under_the_documented_command`)."""
    return rig.guest.ssh(f"{journal_command('hymio-kiosk')} --no-pager", check=False).stdout


def test_the_kiosk_draws_on_the_drm_card(rig: Rig):
    guest = rig.guest
    assert guest.ssh("ls /dev/dri/card0").returncode == 0
    # Kivy's main loop (after READY=1, which the app sends once its screens are built)

    def looping() -> str:
        journal = kiosk_journal(rig)
        return journal if "Start application main loop" in journal else ""

    journal = eventually(looping, 180, "the kiosk's main loop")
    assert "Traceback" not in journal, journal[-4000:]
    # What the virtio GPU scans out: the kiosk's screen, not the console's text.
    started = time.monotonic()
    shot = eventually(
        lambda: (
            (p := guest.screendump(FIELD / "field-kiosk.png")).exists() and png_colours(p) > 8 and p
        ),
        180,
        "a drawn screen on the DRM card",
    )
    rig.times["a drawn screen after the main loop"] = time.monotonic() - started
    small(shot, IMAGES / "field-kiosk.png")


def test_the_kiosks_own_lines_are_under_the_documented_command(rig: Rig):
    # The command doctor gives (and the troubleshooting page names) shows the kiosk's own
    # start line and Kivy's, not only systemd's lines about the unit.
    command = journal_command("hymio-kiosk")
    assert f"`{command}`" in (REPO / "docs/build-a-kiosk/troubleshooting.md").read_text()
    journal = rig.guest.ssh(f"{command} --no-pager").stdout
    assert "hymio.run_kiosk: drawing on card0" in journal, journal[-3000:]
    assert "Start application main loop" in journal, journal[-3000:]


def test_doctor_finds_no_problem(rig: Rig):
    out = rig.guest.ssh("hymio doctor", check=False, timeout=300)
    assert "0 problem(s)" in out.stdout, out.stdout + out.stderr
    # the pins on the GPIO chip, the DRM card and HQ checked, the units not restarting
    for line in ("ok    pins", "ok    display", "ok    hq"):
        assert line in out.stdout, out.stdout
    assert "WARN  units" not in out.stdout, out.stdout


# The "happy" face (score 3 of smiley4) as llvmpipe draws it: kiosk/ui/faces.py's
# COLOURS["happy"], (0.55, 0.78, 0.30), in 8 bits. Not the happiest (4, the button's), and
# not a negative score (the follow-up question would stay on the screen).
HAPPY, HAPPY_SCORE = (140, 199, 76), 3


def face_centre(shot: Path, colour: tuple[int, int, int]) -> tuple[float, float, tuple]:
    """Where a face of *colour* is on a screenshot (the middle of its pixels), and the
    screen's size."""
    from PIL import Image

    with Image.open(shot) as image:
        rgb = image.convert("RGB")
    pixels = rgb.load()
    found = [
        (x, y)
        for y in range(0, rgb.height, 2)
        for x in range(0, rgb.width, 2)
        if all(abs(a - b) <= 12 for a, b in zip(pixels[x, y], colour, strict=True))
    ]
    assert len(found) > 500, f"no face of colour {colour} on {shot} ({len(found)} pixels)"
    xs, ys = sorted(x for x, _ in found), sorted(y for _, y in found)
    return xs[len(xs) // 2], ys[len(ys) // 2], rgb.size


def test_a_tap_on_the_touchscreen_is_a_committed_rating(rig: Rig):
    guest = rig.guest
    eventually(lambda: kiosk_ready(rig), 300, "the kiosk running")
    time.sleep(4)  # past any thank-you: the question screen, with its faces
    count = "SELECT count(*) FROM ratings WHERE source = 'touch'"
    before = int(sql(rig, count))
    # Where the face is, from what the screen shows; a finger there on the tablet (QEMU's
    # virtio-tablet-pci, an absolute pointer: SDL reads it from /dev/input as a mouse).
    x, y, size = face_centre(guest.screendump(FIELD / "field-tap.png"), HAPPY)
    guest.tap(x, y, size)
    eventually(lambda: int(sql(rig, count)) == before + 1, 60, "a rating from the tap")
    assert sql(rig, "SELECT score, source FROM ratings ORDER BY seq DESC LIMIT 1") == (
        f"{HAPPY_SCORE}|touch"
    )


def test_a_press_on_a_gpio_line_is_a_committed_rating_and_a_lit_led(rig: Rig):
    eventually(lambda: kiosk_ready(rig), 300, "the kiosk running")
    before = int(sql(rig, "SELECT count(*) FROM ratings"))
    # The happiest face: BCM 19, its LED on BCM 23 (kiosk.example.toml). A finger pulls
    # the line to ground until the LED lights, and lets go.
    press_until_lit(rig)
    eventually(lambda: int(sql(rig, "SELECT count(*) FROM ratings")) == before + 1, 30, "a rating")
    assert sql(rig, "SELECT score, source FROM ratings ORDER BY seq DESC LIMIT 1") == "4|button"


def test_sync_delivers_the_ratings_to_hq_on_the_host(rig: Rig):
    count = int(sql(rig, "SELECT count(*) FROM ratings"))
    assert count >= 1
    eventually(lambda: rig.hq.received(DEVICE) >= count, 240, "HQ has the kiosk's ratings")


def press_until_lit(rig: Rig, button: int = 19, led: int = 23) -> None:
    """A press, held until the kiosk acknowledges it (the face's LED, lit after the
    commit), then let go."""
    guest = rig.guest
    guest.ssh(
        f"echo pull-down > {sim_line(rig, button, 'pull')};"
        f" for i in $(seq 300); do [ $(cat {sim_line(rig, led, 'value')}) = 1 ] && break;"
        " sleep 0.1; done;"
        f" echo pull-up > {sim_line(rig, button, 'pull')};"
        f" [ $(cat {sim_line(rig, led, 'value')}) = 1 ]"
    )


def kiosk_ready(rig: Rig) -> bool:
    return rig.guest.ssh("systemctl is-active hymio-kiosk", check=False).stdout.strip() == (
        "active"
    )


def test_a_killed_kiosk_loses_no_acknowledged_press(rig: Rig):
    guest = rig.guest
    eventually(lambda: kiosk_ready(rig), 120, "the kiosk running")
    time.sleep(4)  # past the last press's thank-you (presses during it are a lockout)
    before = int(sql(rig, "SELECT count(*) FROM ratings"))
    press_until_lit(rig)
    guest.ssh("systemctl kill -s KILL hymio-kiosk.service")
    eventually(lambda: kiosk_ready(rig), 180, "the kiosk restarted by systemd")
    assert int(sql(rig, "SELECT count(*) FROM ratings")) == before + 1


def kiosk_unit(rig: Rig) -> dict[str, str]:
    """The kiosk unit's state as systemd has it."""
    out = rig.guest.ssh(
        "systemctl show hymio-kiosk -p MainPID -p NRestarts -p ActiveState -p WatchdogUSec"
        " -p TimeoutStartUSec -p TimeoutAbortUSec -p RestartUSec"
    ).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def seconds(timespan: str) -> float:
    """A systemd time span as ``systemctl show`` prints it ("5min", "1min 30s", "100ms")."""
    total = 0.0
    for part in timespan.split():
        for unit, factor in (("min", 60), ("ms", 0.001), ("s", 1)):
            if part.endswith(unit):
                total += float(part.removesuffix(unit)) * factor
                break
        else:
            raise ValueError(f"not a time span: {timespan!r}")
    return total


def test_the_watchdog_restarts_a_hung_kiosk(rig: Rig):
    guest = rig.guest
    eventually(lambda: kiosk_ready(rig), 300, "the kiosk running")
    time.sleep(4)
    before = int(sql(rig, "SELECT count(*) FROM ratings"))
    press_until_lit(rig)  # acknowledged: committed before the LED lit
    unit = kiosk_unit(rig)
    pid, restarts = unit["MainPID"], int(unit["NRestarts"])
    watchdog = seconds(unit["WatchdogUSec"])
    assert watchdog > 0, unit
    # The bound: no ping for WatchdogSec, systemd's SIGABRT (then SIGKILL after
    # TimeoutAbortSec), RestartSec, and a start within TimeoutStartSec.
    bound = watchdog + sum(seconds(unit[k]) for k in ("TimeoutAbortUSec", "RestartUSec"))
    bound += seconds(unit["TimeoutStartUSec"])
    since = guest.ssh("date +%s").stdout.strip()
    # The hang: the kiosk's process stopped (SIGSTOP), alive but running nothing, so its
    # main loop sends no WATCHDOG=1; nothing else tells systemd anything is wrong.
    guest.ssh(f"kill -STOP {pid}")
    started = time.monotonic()
    # Its last ping came at most half the limit before the stop (the kiosk pings every
    # WatchdogSec/2), so for half the limit nothing happens: no other path restarts it.
    time.sleep(watchdog / 2 - 10)
    unit = kiosk_unit(rig)
    assert unit["MainPID"] == pid, unit
    assert int(unit["NRestarts"]) == restarts, unit

    def restarted() -> dict[str, str] | None:
        now = kiosk_unit(rig)
        new = now["MainPID"] not in ("0", pid) and int(now["NRestarts"]) > restarts
        return now if new and now["ActiveState"] == "active" else None

    eventually(restarted, bound - (time.monotonic() - started), "the watchdog's restart")
    rig.times["hung kiosk to a restarted one"] = time.monotonic() - started
    systemd = guest.ssh(f"journalctl -u hymio-kiosk --since @{since} --no-pager").stdout
    assert "Watchdog timeout" in systemd, systemd[-3000:]
    assert int(sql(rig, "SELECT count(*) FROM ratings")) == before + 1
    # drawing again: Kivy's main loop in the new process, a drawn screen
    new_pid = kiosk_unit(rig)["MainPID"]
    eventually(
        lambda: (
            "Start application main loop"
            in guest.ssh(f"journalctl -b _PID={new_pid} --no-pager", check=False).stdout
        ),
        180,
        "the new kiosk's main loop",
    )
    eventually(
        lambda: drawn(rig, "field-watchdog.png"),
        180,
        "a drawn screen after the restart",
    )


def test_a_hard_power_off_loses_no_acknowledged_press(rig: Rig):
    guest = rig.guest
    time.sleep(4)
    before = int(sql(rig, "SELECT count(*) FROM ratings"))
    press_until_lit(rig)
    guest.power_off_hard()  # QEMU quits: no shutdown, no sync of the guest's caches
    guest.start()  # the same disk
    guest.wait_ssh(400)
    assert int(sql(rig, "SELECT count(*) FROM ratings")) == before + 1
    eventually(lambda: kiosk_ready(rig), 180, "the kiosk up again after the power cut")
