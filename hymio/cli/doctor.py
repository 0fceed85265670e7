"""``hymio doctor``: what is wrong with this kiosk, and how to fix it."""

from __future__ import annotations

import argparse

from kiosk import doctor
from kiosk.settings.load import add_config_option, load_settings
from kiosk.settings.overlay import apply_overlay

MARK = {doctor.OK: "ok  ", doctor.WARN: "WARN", doctor.FAIL: "FAIL"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``doctor``."""
    p = commands.add_parser(
        "doctor",
        help="check settings, database, disk, clock, pins, display, sync, HQ and the systemd"
        " units; say how to fix each problem",
    )
    add_config_option(p)
    p.add_argument("--simulate", action="store_true", help="check the pins on gpiozero's mock pins")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hardware.factory import make_factory
    from hardware.pincheck import check_gpio, check_stuck
    from hymio.doctor_system import check_display, check_libraries, check_overlay, check_units
    from kiosk.releases.state import check_update
    from sync.doctor_checks import check_hq, check_sync

    # as the kiosk runs: HQ's survey, store and zone over the local file
    settings = apply_overlay(load_settings(args.config))
    factory = make_factory(simulate=True) if args.simulate else None
    context = doctor.Context(settings, pin_factory=factory)
    # hq before sync: sync's last error points at the hq line above it
    checks = [*doctor.CHECKS, check_overlay, check_gpio, check_stuck, check_display,
              check_libraries, check_hq, check_sync, check_units, check_update]  # fmt: skip
    findings = doctor.run(context, checks)
    width = max(len(f.check) for f in findings)
    for f in findings:
        print(f"{MARK[f.level]}  {f.check:<{width}}  {f.detail}")
        if f.fix and f.level != doctor.OK:
            print(f"      {'':<{width}}  → {f.fix}")
    failed = [f for f in findings if f.level == doctor.FAIL]
    print(f"\n{len(failed)} problem(s), {sum(f.level == doctor.WARN for f in findings)} warning(s)")
    return 1 if failed else 0
