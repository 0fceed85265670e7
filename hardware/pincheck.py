"""``hymio doctor``'s pin check: each configured pin can be claimed, and how it stands.

A button that reads pressed while nobody touches the kiosk is held or shorted; a button
recorded as stuck in the last day is reported from the store. The check claims each pin
briefly and releases it. While ``hymio-kiosk`` runs, its pins are busy: the kiosk claimed
them when it started, so a busy pin is then the kiosk's own and fine (a pin another
program held would have kept the kiosk from starting). With the kiosk stopped, a busy pin
is a problem, and that is what the check says.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from gpiozero import LED, Button, Factory

from hardware.errors import PinFactoryError
from hardware.factory import make_factory
from kiosk.doctor import FAIL, OK, WARN, Context, Finding

MODEL = Path("/proc/device-tree/model")
SYSTEMCTL = "systemctl"
KIOSK_UNIT = "hymio-kiosk.service"
RUNNING = ("active", "activating", "reloading")  # the kiosk holds its pins in these


def kiosk_running() -> bool:
    """Whether systemd runs the kiosk here (then its pins are busy, and rightly so)."""
    if shutil.which(SYSTEMCTL) is None:
        return False
    try:
        done = subprocess.run(  # noqa: S603 -- fixed arguments
            [SYSTEMCTL, "is-active", KIOSK_UNIT], capture_output=True, text=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout.strip() in RUNNING


def check_gpio(ctx: Context) -> list[Finding]:
    """The pins, on the context's pin factory (mock pins with --simulate), else lgpio's."""
    factory = ctx.pin_factory
    own = factory is None
    if own:
        try:
            factory = make_factory(simulate=False)
        except PinFactoryError as exc:
            on_pi = MODEL.exists() and "Raspberry Pi" in MODEL.read_text(errors="replace")
            level = FAIL if on_pi else WARN
            where = "" if on_pi else "not a Raspberry Pi, so the pins were not checked: "
            return [Finding("pins", level, f"{where}{exc}", "run doctor on the kiosk itself")]
    try:
        return check_pins(ctx, factory, kiosk_runs=own and kiosk_running())
    finally:
        if own:
            factory.close()


def check_pins(ctx: Context, factory: Factory, *, kiosk_runs: bool = False) -> list[Finding]:
    """A finding per configured pin; with *kiosk_runs*, a busy pin is the kiosk's own."""
    b = ctx.settings.buttons
    scale = ctx.settings.survey.scale_info
    found: list[Finding] = []
    for i, pin in enumerate(b.face_buttons):
        name = f"button of face {scale.low + i} (GPIO{pin})"
        try:
            with Button(pin, pull_up=True, pin_factory=factory) as button:
                pressed = button.is_pressed
        except Exception as exc:
            found.append(_unclaimable(name, "buttons.face_buttons", i, exc, kiosk_runs))
            continue
        if pressed:
            found.append(
                Finding(
                    "pins",
                    WARN,
                    f"{name} reads pressed: held or shorted",
                    "release it, or check the wiring: the button goes between the"
                    " pin and ground, nothing else on that pin",
                )
            )
        else:
            found.append(Finding("pins", OK, f"{name}: released"))
    for key, pins in (
        ("buttons.face_leds", b.face_leds),
        ("buttons.status_led", () if b.status_led is None else (b.status_led,)),
    ):
        for i, pin in enumerate(pins):
            name = (
                f"LED {key.split('.')[1]}[{i}] (GPIO{pin})"
                if key.endswith("leds")
                else f"status LED (GPIO{pin})"
            )
            try:
                LED(pin, pin_factory=factory).close()
            except Exception as exc:
                found.append(_unclaimable(name, key, i, exc, kiosk_runs))
                continue
            found.append(Finding("pins", OK, f"{name}: can be driven"))
    return found


def _unclaimable(name: str, key: str, i: int, exc: Exception, kiosk_runs: bool) -> Finding:
    # lgpio says 'GPIO busy'; gpiozero's mock pins 'already in use'
    if kiosk_runs and any(word in str(exc).lower() for word in ("busy", "in use")):
        return Finding("pins", OK, f"{name}: in use by the running kiosk ({KIOSK_UNIT})")
    return Finding(
        "pins",
        FAIL,
        f"{name} cannot be claimed: {exc}",
        f"stop the kiosk (systemctl stop hymio-kiosk) and run doctor again; if it"
        f" persists, another program uses the pin or {key}[{i}] is wrong",
    )


def check_stuck(ctx: Context) -> list[Finding]:
    """Buttons the store recorded as stuck in the last 24 hours."""
    from datetime import timedelta

    from kiosk.errors import StoreError
    from kiosk.store.store import Store
    from kiosk.timekeeping.localtime import to_utc_text

    since = to_utc_text(ctx.clock.now() - timedelta(days=1))
    try:
        with Store.from_settings(ctx.settings, readonly=True) as store:
            rows = store.read(
                "SELECT score, count(*), max(recorded_at) FROM ratings"
                " WHERE flag = 'stuck' AND recorded_at >= ? GROUP BY score",
                (since,),
            )
    except StoreError:
        return []  # the database check reports that
    if not rows:
        return [Finding("stuck buttons", OK, "no button stuck in the last 24 hours")]
    return [
        Finding(
            "stuck buttons",
            WARN,
            f"face {score}'s button was stuck {n} time(s), last at {last}",
            "free the button (a coin jammed, a sticky cap) or replace it",
        )
        for score, n, last in rows
    ]
