"""``hymio update``: fetch the release HQ wants for this kiosk, check, install, switch,
and roll back by itself if it does not come up (:mod:`hymio.update.updater`). Run by
``hymio-update.timer`` every half hour; it updates only in the store's closed hours."""

from __future__ import annotations

import argparse
from pathlib import Path

from kiosk.errors import SettingsError
from kiosk.settings.load import add_config_option, load_settings

ROOT = Path("/opt/hymio")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """Register ``update``."""
    p = commands.add_parser("update", help="install the release HQ wants, in closed hours")
    add_config_option(p)
    p.add_argument("--now", action="store_true", help="update now, even in opening hours")
    p.add_argument("--root", type=Path, default=ROOT, help=f"the install folder (default {ROOT})")
    p.add_argument(
        "--ready-within", type=float, default=180.0, metavar="S",
        help="seconds the new release has to come up before it is rolled back (default 180)",
    )  # fmt: skip
    p.add_argument(
        "--settle", type=float, default=20.0, metavar="S",
        help="seconds it must then stay up without a restart (default 20)",
    )  # fmt: skip
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from hymio.update.fetch import ReleaseSource
    from hymio.update.updater import Updater

    settings = load_settings(args.config)
    missing = [k for k in ("url", "token", "release_key") if not getattr(settings.hq, k)]
    if missing:
        raise SettingsError(
            settings.source,
            [
                (
                    f"hq.{k}",
                    "is needed for updates; see the docs, Run a fleet: Updates and rollback",
                )
                for k in missing
            ],
        )
    source = ReleaseSource(settings.hq.url, settings.hq.token)
    try:
        updater = Updater(
            settings, args.root, source, ready_within=args.ready_within, settle=args.settle
        )
        print(updater.run(at_once=args.now))
    finally:
        source.close()
    return 0
