"""``hymio kiosk``: the touchscreen app."""

from __future__ import annotations

import argparse
import logging
import sys


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``kiosk``."""
    p = commands.add_parser("kiosk", help="run the touchscreen app (full screen)")
    p.add_argument("--config", required=True, metavar="FILE", help="the kiosk settings file")
    p.add_argument(
        "--simulate", action="store_true", help="mock pins, pressed with the keys 1-5 in the window"
    )
    p.add_argument(
        "--windowed", action="store_true", help="a window with a cursor, not full screen"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # journald reads stdout: the kiosk (and Kivy, through Python logging) log there.
    logging.basicConfig(
        stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s: %(message)s",
        force=True,
    )  # fmt: skip
    from hymio.run_kiosk import run as run_kiosk

    return run_kiosk(args.config, simulate=args.simulate, windowed=args.windowed)
