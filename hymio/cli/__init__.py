"""The ``hymio`` command (SPEC §4).

Exit codes: 0 success; 1 something is wrong (``doctor`` found a problem, the store
failed); 2 bad usage or bad settings, with a message naming the setting and the file;
3 ``sync --once`` left ratings unsent because HQ could not be reached or refused.
Only errors meant for people reach people: a :class:`HymioError` is one line on stderr,
anything else is a traceback (a bug).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from hymio import logs
from kiosk import __version__
from kiosk.errors import HymioError, SettingsError
from kiosk.settings.load import CONFIG_VAR, INSTALLED, default_settings_file

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    """The parser of every subcommand."""
    from hardware import cli as buttons
    from hq.cli import commands as hq_cli
    from hymio.cli import demo, doctor, enroll, release, set_pin, tally, update
    from hymio.cli import kiosk as kiosk_cli
    from sync import cli as sync_cli

    parser = argparse.ArgumentParser(
        prog="hymio", description="Hymiö: an offline-first in-store feedback kiosk."
    )
    parser.add_argument("--version", action="version", version=f"hymio {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in (kiosk_cli, tally, doctor, demo, set_pin, enroll, update, release, buttons,
                   sync_cli, hq_cli):  # fmt: skip
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``hymio`` with *argv*; returns the exit code."""
    logs.setup(logging.WARNING)
    args = build_parser().parse_args(argv)
    if getattr(args, "config", "") is None:  # a kiosk command without --config
        found = default_settings_file()
        if found is None:
            print(
                f"hymio {args.command}: no settings file: give --config FILE (there is no"
                f" {INSTALLED}, and ${CONFIG_VAR} is not set)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        args.config = str(found)
    try:
        return int(args.run(args) or EXIT_OK)
    except SettingsError as exc:
        print(f"hymio: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except HymioError as exc:
        print(f"hymio: {exc}", file=sys.stderr)
        return EXIT_PROBLEM


if __name__ == "__main__":
    sys.exit(main())
