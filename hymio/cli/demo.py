"""``hymio demo``: HQ, a kiosk and its sync on this machine, with nothing to set up.

Windowed (the default): the kiosk in a window with the simulator (keys 1–5 press the
buttons), sync in the background, the dashboard's address and login printed; Ctrl+C
stops all of it. Without a display the kiosk runs offscreen and simulated shoppers use it.
``--headless --presses N``: N simulated shoppers offscreen, then waits for the sync and
reports what the kiosk stored and what HQ received; exit code 1 when they differ.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from hq import HQ_PACKAGES
from kiosk.errors import HymioError

if TYPE_CHECKING:
    from hymio.run_kiosk import Attach

SYNC_TIMEOUT = 120.0  # seconds to wait for the last upload in --headless


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``demo``."""
    p = commands.add_parser(
        "demo", help="HQ + kiosk + sync on this machine, with nothing to set up"
    )
    p.add_argument(
        "--headless", action="store_true", help="offscreen, simulated shoppers, then a report"
    )
    p.add_argument(
        "--presses", type=_positive, default=300, metavar="N", help="shoppers in --headless (300)"
    )
    p.add_argument("--json", action="store_true", help="--headless: the report as JSON")
    p.add_argument(
        "--folder",
        type=Path,
        metavar="DIR",
        help="where HQ's and the kiosk's data go (a new temporary folder with --headless,"
        " else ~/.local/share/hymio/demo, kept between runs)",
    )
    p.add_argument("--seed", type=int, default=None, help="the simulated shoppers' seed")
    p.set_defaults(run=run)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:  # Ctrl+C before the kiosk's window took over the signal
        print("\ndemo stopped")
        return 130
    except ModuleNotFoundError as exc:  # an install of one side only (the pi or hq extra)
        top = (exc.name or "").split(".")[0]
        if top in HQ_PACKAGES:
            what, extra = "HQ too, and HQ's packages are", "hq"
        elif top == "kivy":
            what, extra = "the kiosk's app too, and it is", "ui"
        else:
            raise
        raise HymioError(
            f"the demo runs {what} not installed here (no {exc.name}): pip install 'hymio[{extra}]'"
        ) from None


def _run(args: argparse.Namespace) -> int:
    from hymio import demo

    display = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    offscreen = args.headless or not display
    if args.folder:
        folder = args.folder
    elif args.headless:
        folder = Path(tempfile.mkdtemp(prefix="hymio-demo-"))
    else:
        folder = demo.user_folder()
    site = demo.prepare(folder, fast=args.headless, history=0 if args.headless else 14)
    # The kiosk's log (Kivy's too) goes to the folder; the terminal shows the demo's lines.
    logging.basicConfig(
        filename=site.folder / "kiosk.log", level=logging.INFO, force=True,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )  # fmt: skip
    say = (lambda *_: None) if args.json else print
    with site.running():
        say(f"HQ dashboard: {site.url}/  (login {demo.USER} / {demo.PASSWORD})")
        say(f"kiosk staff PIN: {demo.STAFF_PIN} (hold the top-right corner for 3 s)")
        say(f"data and logs: {site.folder}")
        if args.headless:
            say(f"{args.presses} simulated shoppers are on their way…")
        elif offscreen:
            say("no display ($DISPLAY, $WAYLAND_DISPLAY): the kiosk runs offscreen, and")
            say("simulated shoppers use it. Open the dashboard; Ctrl+C stops the demo.")
        else:
            say("keys 1-5 press the buttons; Ctrl+C here stops the demo")
        sys.stdout.flush()
        robot = _shoppers(args, offscreen)
        from hymio.run_kiosk import run as run_kiosk

        run_kiosk(site.config, simulate=True, windowed=not offscreen, offscreen=offscreen,
                  attach=robot)  # fmt: skip
        signal.signal(signal.SIGINT, signal.default_int_handler)  # the app's handler is gone
        if not args.headless:
            print("\ndemo stopped")
            return 0
        pending = site.wait_for_sync(SYNC_TIMEOUT)
        report = site.report(robot.made, pending)
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        print(
            f"{report['presses']} presses; the kiosk stored {report['stored']}"
            f" ({report['counted']} counted, flagged {report['flagged'] or 'none'},"
            f" {report['reasons']} with a reason); HQ received {report['received']};"
            f" {report['pending']} still pending"
        )
        print("all there" if report["ok"] else "NOT EQUAL: see the logs in " + str(site.folder))
    return 0 if report["ok"] else 1


def _shoppers(args: argparse.Namespace, offscreen: bool) -> Attach | None:
    from hymio.run_kiosk import Attach

    if args.headless:
        return Attach(args.presses, (0.75, 0.8), args.seed)
    if offscreen:
        return Attach(None, (3.5, 8.0), args.seed)
    return None
