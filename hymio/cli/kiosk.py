"""``hymio kiosk``: the touchscreen app."""

from __future__ import annotations

import argparse
import logging

from kiosk.settings.load import add_config_option


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``kiosk``."""
    p = commands.add_parser("kiosk", help="run the touchscreen app (full screen)")
    add_config_option(p)
    p.add_argument(
        "--simulate", action="store_true", help="mock pins, pressed with the keys 1-5 in the window"
    )
    p.add_argument(
        "--windowed", action="store_true", help="a window with a cursor, not full screen"
    )
    p.add_argument(
        "--shoppers", type=int, metavar="N",
        help="with --simulate: N simulated shoppers press and tap, then the app stops (a "
        "check of the whole kiosk, screen, store and sync included)",
    )  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hymio import logs
    from kiosk.errors import SettingsError

    if args.shoppers is not None and (not args.simulate or args.shoppers < 1):
        raise SettingsError(
            args.config, [("--shoppers", "needs --simulate and a number of at least 1")]
        )
    logs.setup(logging.INFO)  # Kivy logs through Python logging too
    from hymio.run_kiosk import Attach
    from hymio.run_kiosk import run as run_kiosk

    attach = Attach(args.shoppers, (0.6, 0.8), None) if args.shoppers else None
    return run_kiosk(args.config, simulate=args.simulate, windowed=args.windowed, attach=attach)
